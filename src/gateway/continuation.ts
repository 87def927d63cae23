/**
 * Builds upstream bodies: the first attempt forwards the client's body; a continuation after a
 * preemption or migration resumes with `/v1/completions` and prompt = prompt ids + generated ids,
 * budgets reduced by what was generated and the same sampling parameters (DESIGN.md "Continuation").
 */
import type { UpstreamGeneration } from '../core/ports.js';
import type { ClientKind } from './response-format.js';

/** Fields that belong to the gateway or to one endpoint only and never travel in a continuation. */
const NOT_CONTINUED = [
  'messages',
  'prompt',
  'stream',
  'stream_options',
  'n',
  'best_of',
  'echo',
  'suffix',
  'priority',
  'max_tokens',
  'max_completion_tokens',
  'min_tokens',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'top_logprobs',
  'add_generation_prompt',
  'continue_final_message',
  'chat_template',
  'chat_template_kwargs',
  'return_token_ids',
];

export interface ContinuationState {
  readonly promptTokenIds: readonly number[] | null;
  readonly generatedTokenIds: readonly number[];
  readonly generatedText: string;
  /** Tokens generated so far (equals generatedTokenIds.length when ids are known). */
  readonly generatedTokens: number;
}

/** The first upstream request: the client body minus gateway-only fields. */
export function firstAttempt(
  kind: ClientKind,
  body: Readonly<Record<string, unknown>>,
  vllmPriority: number | null,
  stream: boolean,
): UpstreamGeneration {
  const out: Record<string, unknown> = { ...body };
  delete out.priority;
  if (vllmPriority !== null) out.priority = vllmPriority;
  return { endpoint: kind, body: out, stream };
}

/**
 * The continuation request. With token ids it is exact; without them (old backends) it falls back to
 * text: completions prompt + generated text, or chat messages with the partial assistant turn continued.
 * Returns null when nothing is left to generate.
 */
export function continuationAttempt(
  kind: ClientKind,
  body: Readonly<Record<string, unknown>>,
  state: ContinuationState,
  maxTokens: number,
  vllmPriority: number | null,
): { request: UpstreamGeneration; exact: boolean } | null {
  const remaining = maxTokens - state.generatedTokens;
  if (remaining <= 0) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!NOT_CONTINUED.includes(k)) out[k] = v;
  out.max_tokens = remaining;
  const minTokens = typeof body.min_tokens === 'number' ? body.min_tokens : 0;
  if (minTokens > 0) out.min_tokens = Math.max(0, minTokens - state.generatedTokens);
  if (vllmPriority !== null) out.priority = vllmPriority;
  if (state.promptTokenIds !== null && state.generatedTokenIds.length === state.generatedTokens) {
    out.prompt = [...state.promptTokenIds, ...state.generatedTokenIds];
    return { request: { endpoint: 'completions', body: out }, exact: true };
  }
  if (kind === 'completions') {
    const prompt: unknown = Array.isArray(body.prompt) ? (body.prompt as unknown[])[0] : body.prompt;
    if (typeof prompt !== 'string') return null;
    out.prompt = prompt + state.generatedText;
    return { request: { endpoint: 'completions', body: out }, exact: false };
  }
  const messages: unknown[] = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  out.messages = [...messages, { role: 'assistant', content: state.generatedText }];
  out.add_generation_prompt = false;
  out.continue_final_message = true;
  return { request: { endpoint: 'chat', body: out }, exact: false };
}
