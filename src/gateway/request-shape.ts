/**
 * Turns a validated OpenAI body into what the scheduler needs: a token estimate, an output budget,
 * whether the request can be continued exactly, and a coded error for shapes fairway does not relay.
 */
import type { ModelCard } from '../core/ports.js';
import { FairwayError } from '../errors.js';
import type { ClientKind } from './response-format.js';

/** vLLM's default `max_tokens` for /v1/completions. */
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;
/** Output budget assumed when neither the request nor the model card says more. */
const FALLBACK_MAX_TOKENS = 4096;

export interface RequestShape {
  readonly promptTokensEstimate: number;
  readonly maxTokens: number;
  readonly preemptible: boolean;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly returnTokenIds: boolean;
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    let n = 0;
    for (const part of content) {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string') n += text.length;
    }
    return n;
  }
  return 0;
}

/** Roughly 4 characters per token for English text; exact for token-id prompts. */
function estimatePromptTokens(kind: ClientKind, body: Readonly<Record<string, unknown>>): number {
  if (kind === 'chat') {
    let chars = 0;
    for (const m of body.messages as readonly { content?: unknown }[]) chars += contentChars(m.content) + 16;
    return Math.max(1, Math.ceil(chars / 4));
  }
  const prompt = body.prompt;
  if (typeof prompt === 'string') return Math.max(1, Math.ceil(prompt.length / 4));
  const first = (prompt as unknown[])[0];
  if (typeof first === 'number') return (prompt as unknown[]).length;
  if (typeof first === 'string') return Math.max(1, Math.ceil(first.length / 4));
  return (first as unknown[]).length;
}

function positive(v: unknown): number | null {
  return typeof v === 'number' && v > 0 ? v : null;
}

export function shapeRequest(
  kind: ClientKind,
  body: Readonly<Record<string, unknown>>,
  model: ModelCard,
): RequestShape {
  if ((positive(body.n) ?? 1) > 1) {
    throw new FairwayError(
      'FW_ERR_VALIDATION',
      { detail: 'n > 1 is not supported: send n separate requests' },
      {
        param: 'n',
      },
    );
  }
  // The relay carries text, token ids and usage; until it carries these too, refuse them rather than
  // answer with them silently missing.
  const unrelayed = unrelayedField(kind, body);
  if (unrelayed !== null) {
    throw new FairwayError(
      'FW_ERR_VALIDATION',
      {
        detail: `${unrelayed.what} are not relayed by this gateway yet: send the request without \`${unrelayed.param}\``,
      },
      { param: unrelayed.param },
    );
  }
  if (kind === 'completions' && Array.isArray(body.prompt) && body.prompt.length > 1) {
    const first: unknown = (body.prompt as unknown[])[0];
    if (typeof first !== 'number') {
      throw new FairwayError(
        'FW_ERR_VALIDATION',
        { detail: 'Batched prompts are not supported: send one prompt per request' },
        { param: 'prompt' },
      );
    }
  }
  const promptTokensEstimate = estimatePromptTokens(kind, body);
  const requested = positive(body.max_tokens) ?? positive(body.max_completion_tokens);
  const contextLeft = model.max_model_len !== undefined ? model.max_model_len - promptTokensEstimate : null;
  const maxTokens =
    requested ??
    (kind === 'completions'
      ? COMPLETIONS_DEFAULT_MAX_TOKENS
      : contextLeft !== null && contextLeft > 0
        ? contextLeft
        : FALLBACK_MAX_TOKENS);
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  const structured = body.response_format !== undefined && body.response_format !== null;
  const preemptible = !hasTools && !structured && (positive(body.best_of) ?? 1) === 1 && body.echo !== true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  return {
    promptTokensEstimate,
    maxTokens,
    preemptible,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    returnTokenIds: body.return_token_ids === true,
  };
}

/** A requested output the gateway would drop (logprobs, tool calls), or null. */
function unrelayedField(
  kind: 'chat' | 'completions',
  body: Readonly<Record<string, unknown>>,
): { param: string; what: string } | null {
  const asked = (v: unknown): boolean => v !== undefined && v !== null && v !== false;
  if (kind === 'chat' && body.logprobs === true) return { param: 'logprobs', what: 'Log probabilities' };
  if (kind === 'chat' && typeof body.top_logprobs === 'number' && body.top_logprobs > 0) {
    return { param: 'top_logprobs', what: 'Log probabilities' };
  }
  if (kind === 'completions' && typeof body.logprobs === 'number')
    return { param: 'logprobs', what: 'Log probabilities' };
  if (asked(body.prompt_logprobs)) return { param: 'prompt_logprobs', what: 'Prompt log probabilities' };
  if (kind === 'chat' && Array.isArray(body.tools) && body.tools.length > 0) {
    return { param: 'tools', what: 'Tool calls' };
  }
  return null;
}
