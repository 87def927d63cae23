/**
 * JSON schemas for the OpenAI-compatible request bodies, compiled once per route by fastify.
 * Known fields are checked for type and range; unknown fields pass through to the backend
 * (vLLM accepts many extra sampling parameters).
 */
import { Type, type Static } from '@sinclair/typebox';

const Stop = Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 }), Type.Null()]);

const ContentPart = Type.Object({ type: Type.String() }, { additionalProperties: true });

const Message = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
      Type.Literal('tool'),
    ]),
    content: Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** Sampling and control fields shared by chat and completions. */
const common = {
  model: Type.String({ minLength: 1, maxLength: 512 }),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(
    Type.Union([
      Type.Object(
        { include_usage: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])) },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
  ),
  max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
  min_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Null()])),
  n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
  stop: Type.Optional(Stop),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  presence_penalty: Type.Optional(Type.Union([Type.Number({ minimum: -2, maximum: 2 }), Type.Null()])),
  frequency_penalty: Type.Optional(Type.Union([Type.Number({ minimum: -2, maximum: 2 }), Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  ignore_eos: Type.Optional(Type.Boolean()),
  return_token_ids: Type.Optional(Type.Boolean()),
};

export const ChatCompletionBody = Type.Object(
  {
    ...common,
    messages: Type.Array(Message, { minItems: 1, maxItems: 10_000 }),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
    tools: Type.Optional(Type.Union([Type.Array(Type.Object({}, { additionalProperties: true })), Type.Null()])),
  },
  { additionalProperties: true },
);

const TokenIds = Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 });

export const CompletionBody = Type.Object(
  {
    ...common,
    prompt: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1 }),
      TokenIds,
      Type.Array(TokenIds, { minItems: 1 }),
    ]),
    best_of: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    echo: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: true },
);

export type ChatCompletionBody = Static<typeof ChatCompletionBody>;
export type CompletionBody = Static<typeof CompletionBody>;
