/**
 * Client-facing OpenAI response bodies and stream frames, built from normalized generation deltas.
 * The client always sees one id and one format (chat or completions) whatever the upstream
 * endpoint was, so continuations across instances stay invisible.
 */
import type { Usage } from '../core/ports.js';

export type ClientKind = 'chat' | 'completions';

export interface ResponseIdentity {
  readonly kind: ClientKind;
  readonly id: string;
  readonly created: number;
  readonly model: string;
  /** Whether the client asked for `return_token_ids` (vLLM extension). */
  readonly tokenIds: boolean;
}

export interface FinishedGeneration {
  readonly text: string;
  readonly tokenIds: readonly number[] | null;
  readonly promptTokenIds: readonly number[] | null;
  readonly finishReason: string;
  readonly stopReason: string | number | null;
  readonly usage: Usage;
}

const DONE_FRAME = 'data: [DONE]\n\n';
export { DONE_FRAME };

function frame(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

function head(idn: ResponseIdentity): { id: string; object: string; created: number; model: string } {
  return {
    id: idn.id,
    object: idn.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: idn.created,
    model: idn.model,
  };
}

/** The first frame of a chat stream (assistant role), or null for completions (which start with text). */
export function openingFrame(idn: ResponseIdentity, promptTokenIds: readonly number[] | null): string | null {
  if (idn.kind !== 'chat') return null;
  const choice: Record<string, unknown> = {
    index: 0,
    delta: { role: 'assistant', content: '' },
    logprobs: null,
    finish_reason: null,
  };
  const body: Record<string, unknown> = { ...head(idn), choices: [choice] };
  if (idn.tokenIds) body.prompt_token_ids = promptTokenIds;
  return frame(body);
}

/**
 * One content frame. For completions the prompt token ids ride on the first frame's choice, as vLLM does.
 * `finishReason` is set on the last frame only.
 */
export function deltaFrame(
  idn: ResponseIdentity,
  text: string,
  tokenIds: readonly number[] | null,
  finishReason: string | null,
  stopReason: string | number | null,
  promptTokenIds: readonly number[] | null | undefined,
): string {
  const choice: Record<string, unknown> =
    idn.kind === 'chat'
      ? { index: 0, delta: finishReason !== null && text === '' ? {} : { content: text }, logprobs: null }
      : { index: 0, text, logprobs: null };
  choice.finish_reason = finishReason;
  choice.stop_reason = stopReason;
  if (idn.tokenIds) {
    choice.token_ids = tokenIds;
    if (idn.kind === 'completions' && promptTokenIds !== undefined) choice.prompt_token_ids = promptTokenIds;
  }
  return frame({ ...head(idn), choices: [choice] });
}

export function usageFrame(idn: ResponseIdentity, usage: Usage): string {
  return frame({ ...head(idn), choices: [], usage });
}

export function errorFrame(body: unknown): string {
  return frame(body);
}

/** The non-streaming response body. */
export function completeBody(idn: ResponseIdentity, g: FinishedGeneration): Record<string, unknown> {
  const choice: Record<string, unknown> =
    idn.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: g.text }, logprobs: null }
      : { index: 0, text: g.text, logprobs: null };
  choice.finish_reason = g.finishReason;
  choice.stop_reason = g.stopReason;
  const body: Record<string, unknown> = {
    id: idn.id,
    object: idn.kind === 'chat' ? 'chat.completion' : 'text_completion',
    created: idn.created,
    model: idn.model,
    choices: [choice],
    usage: g.usage,
  };
  if (idn.tokenIds) {
    choice.token_ids = g.tokenIds;
    if (idn.kind === 'chat') body.prompt_token_ids = g.promptTokenIds;
    else choice.prompt_token_ids = g.promptTokenIds;
  }
  return body;
}
