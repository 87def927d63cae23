/**
 * Turns one parsed streaming frame of vLLM's OpenAI API (chat or completions) into a normalized
 * `GenerationDelta`. Owns the field placement rules (`prompt_token_ids` top level or on the choice,
 * `token_ids` on the choice or absent); it does not buffer, merge frames or do I/O.
 *
 * Only choice index 0 is read: `GenerationDelta` has no choice index, and requests with n > 1 are
 * not continued by the gateway.
 */
import type { GenerationDelta, GenerationEndpoint, Usage } from '../core/ports.js';

export type NormalizedFrame =
  | { readonly kind: 'delta'; readonly delta: GenerationDelta }
  /** An error object sent inside a 2xx stream (vLLM does this for errors raised mid-generation). */
  | { readonly kind: 'error'; readonly status: number; readonly body: unknown }
  /** A frame with nothing usable (e.g. a choice with index != 0, or not an object). */
  | { readonly kind: 'ignored' };

const IGNORED: NormalizedFrame = { kind: 'ignored' };

interface RawChoice {
  index?: unknown;
  text?: unknown;
  delta?: { content?: unknown } | null;
  /** Non-streamed chat answers carry the whole message instead of a delta. */
  message?: { content?: unknown } | null;
  token_ids?: unknown;
  prompt_token_ids?: unknown;
  finish_reason?: unknown;
  stop_reason?: unknown;
}

interface RawFrame {
  choices?: unknown;
  usage?: unknown;
  prompt_token_ids?: unknown;
  error?: unknown;
  object?: unknown;
  code?: unknown;
}

/** Normalizes a frame already produced by `JSON.parse`. */
export function normalizeFrame(frame: unknown, endpoint: GenerationEndpoint): NormalizedFrame {
  if (typeof frame !== 'object' || frame === null) return IGNORED;
  const raw = frame as RawFrame;
  if (raw.error !== undefined && raw.error !== null)
    return { kind: 'error', status: errorStatus(raw.error), body: raw };
  if (raw.object === 'error') return { kind: 'error', status: errorStatus(raw), body: raw };

  const usage = toUsage(raw.usage);
  let promptTokenIds = toIdArray(raw.prompt_token_ids);
  const choices = raw.choices;
  const choice: RawChoice | undefined = Array.isArray(choices) ? (choices[0] as RawChoice | undefined) : undefined;

  if (choice === undefined || typeof choice !== 'object' || choice === null) {
    if (usage === null && promptTokenIds === null) return IGNORED;
    return { kind: 'delta', delta: makeDelta('', null, promptTokenIds, null, null, usage) };
  }
  if (choice.index !== undefined && choice.index !== 0) return IGNORED;

  let text = '';
  if (endpoint === 'chat') {
    const content = choice.delta?.content ?? choice.message?.content;
    if (typeof content === 'string') text = content;
  } else if (typeof choice.text === 'string') {
    text = choice.text;
  }
  if (promptTokenIds === null) promptTokenIds = toIdArray(choice.prompt_token_ids);
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
  const stop = choice.stop_reason;
  const stopReason = typeof stop === 'string' || typeof stop === 'number' ? stop : null;
  return {
    kind: 'delta',
    delta: makeDelta(text, toIdArray(choice.token_ids), promptTokenIds, finishReason, stopReason, usage),
  };
}

export function makeDelta(
  text: string,
  tokenIds: readonly number[] | null,
  promptTokenIds: readonly number[] | null,
  finishReason: string | null,
  stopReason: string | number | null,
  usage: Usage | null,
): GenerationDelta {
  return { text, tokenIds, promptTokenIds, finishReason, stopReason, usage };
}

/** True when a delta carries nothing a consumer could act on (vLLM's role-only first chat frame). */
export function isEmptyDelta(delta: GenerationDelta): boolean {
  return (
    delta.text.length === 0 &&
    (delta.tokenIds === null || delta.tokenIds.length === 0) &&
    delta.finishReason === null &&
    delta.usage === null
  );
}

function toIdArray(value: unknown): readonly number[] | null {
  return Array.isArray(value) ? (value as number[]) : null;
}

function toUsage(value: unknown): Usage | null {
  if (typeof value !== 'object' || value === null) return null;
  const u = value as { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : prompt + completion;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

function errorStatus(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number' && code >= 400 && code <= 599) return code;
  }
  return 500;
}
