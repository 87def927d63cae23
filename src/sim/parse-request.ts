/**
 * Validates OpenAI/vLLM generation bodies (chat and completions) and turns them into an engine
 * request plus response options, with vLLM's 400 messages. Pure validation; no I/O, no engine calls.
 */
import { applyChatTemplate, encode, BOS_TOKEN_ID, isValidTokenId } from '../core/engine/tokenizer.js';
import type { ChatMessage } from '../core/engine/tokenizer.js';
import type { EngineRequest } from '../core/engine/types.js';
import { SimHttpError } from './http-util.js';

export type GenerationKind = 'chat' | 'completions';

export interface GenerationPlan {
  readonly kind: GenerationKind;
  readonly promptTokenIds: number[];
  /** Engine request without its id (the server assigns one). */
  readonly request: Omit<EngineRequest, 'id'>;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly returnTokenIds: boolean;
  /** Longest stop string minus one: characters a stream holds back (vLLM's stop buffer). */
  readonly stopHoldbackChars: number;
}

type Body = Readonly<Record<string, unknown>>;

function bad(message: string, param: string | null = null): SimHttpError {
  return new SimHttpError(400, message, param);
}

function optInt(body: Body, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(`${key} must be an integer >= ${min}`, key);
  return v;
}

function optNumber(body: Body, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw bad(`${key} must be a number in [${min}, ${max}]`, key);
  return v;
}

function optBool(body: Body, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw bad(`${key} must be a boolean`, key);
  return v;
}

function tokenIdList(v: unknown, key: string): number[] {
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'number' && isValidTokenId(t))) {
    throw bad(`${key} must be a list of token ids`, key);
  }
  return v as number[];
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p?.type === 'text' && typeof p.text === 'string') return p.text;
        throw bad('only text content parts are supported by the simulator', 'messages');
      })
      .join('');
  }
  throw bad('message content must be a string or a list of text parts', 'messages');
}

/** Chat messages from a body, or a 400. */
export function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw bad('messages must be a non-empty list', 'messages');
  return v.map((m: unknown) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (typeof msg !== 'object' || msg === null || typeof msg.role !== 'string') {
      throw bad('each message needs a string role', 'messages');
    }
    return { role: msg.role, content: contentText(msg.content) };
  });
}

/** Prompt token ids of a completions `prompt` (string, [string], token ids or [token ids]). */
export function parsePrompt(v: unknown): number[] {
  if (typeof v === 'string') return encode(v, [BOS_TOKEN_ID]);
  if (Array.isArray(v)) {
    if (v.length === 0) throw bad('prompt must not be empty', 'prompt');
    if (v.every((x) => typeof x === 'number')) return tokenIdList(v, 'prompt');
    if (v.length !== 1) throw bad('only one prompt per request is supported by the simulator (n=1)', 'prompt');
    return parsePrompt(v[0]);
  }
  throw bad('prompt must be a string, a list of token ids or a list with one of those', 'prompt');
}

function parseStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  throw bad('stop must be a string or a list of strings', 'stop');
}

export function parseGeneration(kind: GenerationKind, body: Body, maxModelLen: number): GenerationPlan {
  const n = optInt(body, 'n', 1);
  if (n !== undefined && n !== 1) throw bad('the simulator supports only n=1', 'n');
  if (body.echo === true) throw bad('echo is not supported by the simulator', 'echo');
  const promptTokenIds =
    kind === 'chat'
      ? applyChatTemplate(parseMessages(body.messages), body.add_generation_prompt !== false)
      : parsePrompt(body.prompt);
  const maxTokens =
    (kind === 'chat' ? optInt(body, 'max_completion_tokens', 1) : undefined) ?? optInt(body, 'max_tokens', 1);
  const minTokens = optInt(body, 'min_tokens', 0) ?? 0;
  const priority = optInt(body, 'priority', Number.MIN_SAFE_INTEGER) ?? 0;
  const seed = optInt(body, 'seed', Number.MIN_SAFE_INTEGER);
  const temperature = optNumber(body, 'temperature', 0, 2) ?? 1;
  optNumber(body, 'top_p', 0, 1);
  const stop = parseStop(body.stop);
  const stopTokenIds =
    body.stop_token_ids === undefined || body.stop_token_ids === null
      ? []
      : tokenIdList(body.stop_token_ids, 'stop_token_ids');
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  const what = kind === 'chat' ? 'messages' : 'prompt';
  const promptLen = promptTokenIds.length;
  if (promptLen >= maxModelLen) {
    throw bad(
      `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptLen} input tokens. Please reduce the length of the input ${what}.`,
      what,
    );
  }
  if (maxTokens !== undefined && promptLen + maxTokens > maxModelLen) {
    throw bad(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptLen + maxTokens} tokens (${promptLen} in the ${what}, ${maxTokens} in the completion). Please reduce the length of the ${what} or completion.`,
      what,
    );
  }
  const effectiveMax = maxTokens ?? maxModelLen - promptLen;
  if (minTokens > effectiveMax) throw bad('min_tokens must be less than or equal to max_tokens', 'min_tokens');
  const request: Omit<EngineRequest, 'id'> = {
    promptTokenIds,
    maxTokens: effectiveMax,
    minTokens,
    ignoreEos: optBool(body, 'ignore_eos'),
    temperature,
    ...(seed === undefined ? {} : { seed: seed >>> 0 }),
    stop,
    stopTokenIds,
    priority,
  };
  return {
    kind,
    promptTokenIds,
    request,
    stream: optBool(body, 'stream'),
    includeUsage: streamOptions?.include_usage === true,
    returnTokenIds: optBool(body, 'return_token_ids'),
    stopHoldbackChars: stop.reduce((m, s) => Math.max(m, s.length - 1), 0),
  };
}
