/**
 * The gateway side of the semantic cache, free of fastify: the request view the cache reads (from an
 * OpenAI body and headers), the response headers that say what the cache did, and a hit replayed
 * as the usual JSON body or SSE frames (the client cannot tell a replay from a generation by format).
 */
import type { ChatMessage } from '../core/cache/index.js';
import type { TenantId } from '../core/ids.js';
import type {
  CacheLookupRequest,
  CacheTicket,
  FinishedAnswer,
  LookupOutcome,
  ServedTier,
} from '../cache/semantic-cache.js';
import type { CachedAnswer } from '../cache/stores/document-store.js';
import type { ClientKind, FinishedGeneration, ResponseIdentity } from './response-format.js';
import { DONE_FRAME, completeBody, deltaFrame, openingFrame, usageFrame } from './response-format.js';

/** Body field that opts one request out of the cache; stripped before the body goes upstream. */
export const OPT_OUT_FIELD = 'fairway_cache';

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/**
 * The cache's view of a request. Removes the opt-out body field (so it never reaches vLLM) and
 * reads the opt-out header, `Cache-Control` and `x-fairway-category`.
 */
export function cacheRequestOf(
  kind: ClientKind,
  body: Record<string, unknown>,
  headers: Record<string, string | string[] | undefined>,
  tenant: TenantId,
): CacheLookupRequest {
  const flag = body[OPT_OUT_FIELD];
  if (flag !== undefined) delete body[OPT_OUT_FIELD];
  // a replay carries no logprobs, so requests that ask for them always go to a backend
  const wantsLogprobs = body.logprobs === true || typeof body.logprobs === 'number';
  const optOut = flag === false || wantsLogprobs || header(headers, 'x-fairway-cache')?.trim().toLowerCase() === 'off';
  let messages: readonly ChatMessage[] = [];
  if (kind === 'chat' && Array.isArray(body.messages)) messages = body.messages as ChatMessage[];
  else if (kind === 'completions' && typeof body.prompt === 'string')
    messages = [{ role: 'user', content: body.prompt }];
  const num = (k: string): number | undefined => {
    const v = body[k];
    return typeof v === 'number' ? v : undefined;
  };
  const maxTokens = num('max_completion_tokens') ?? num('max_tokens');
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
  const format = (body.response_format as { type?: unknown } | undefined)?.type;
  const model = String(body.model);
  const tools = body.tools;
  return {
    tenant,
    model,
    messages,
    categoryHeader: header(headers, 'x-fairway-category'),
    cacheControl: header(headers, 'cache-control'),
    optOut,
    temperature: num('temperature'),
    n: num('n'),
    hasTools: Array.isArray(tools) && tools.length > 0,
    sampling: {
      model,
      temperature: num('temperature'),
      topP: num('top_p'),
      maxTokens,
      seed: num('seed'),
      stop,
      responseFormat: `${kind}:${typeof format === 'string' ? format : 'text'}`,
    },
  };
}

/** `x-fairway-cache*` response headers for an outcome. */
export function cacheHeaders(outcome: LookupOutcome | null): Record<string, string> {
  if (outcome === null || outcome.kind === 'unknown-category') return {};
  if (outcome.kind === 'hit') {
    return {
      'x-fairway-cache': 'hit',
      'x-fairway-cache-tier': outcome.tier,
      'x-fairway-cache-category': outcome.ticket.category,
      'x-fairway-cache-similarity': outcome.similarity.toFixed(4),
      'x-fairway-cache-score': outcome.score.toFixed(4),
      'x-fairway-cache-entry': outcome.entryId,
    };
  }
  const category = outcome.kind === 'miss' ? outcome.ticket.category : outcome.category;
  return {
    'x-fairway-cache': outcome.kind,
    ...(category === null ? {} : { 'x-fairway-cache-category': category }),
  };
}

/**
 * Headers of a request answered by joining an identical in-flight request (request coalescing): a hit
 * on tier `coalesced`, similarity and score 1 (same exact key), no entry id (nothing was read from the store).
 */
export function coalescedHeaders(ticket: CacheTicket): Record<string, string> {
  const tier: ServedTier = 'coalesced';
  return {
    'x-fairway-cache': 'hit',
    'x-fairway-cache-tier': tier,
    'x-fairway-cache-category': ticket.category,
    'x-fairway-cache-similarity': (1).toFixed(4),
    'x-fairway-cache-score': (1).toFixed(4),
  };
}

function generationOf(answer: CachedAnswer): FinishedGeneration {
  return {
    text: answer.responseText,
    tokenIds: answer.tokenIds,
    promptTokenIds: null,
    finishReason: answer.finishReason,
    stopReason: null,
    usage: {
      prompt_tokens: answer.usage.promptTokens,
      completion_tokens: answer.usage.completionTokens,
      total_tokens: answer.usage.totalTokens,
    },
  };
}

/** The JSON body of a hit (or a coalesced answer); usage is the cached answer's usage. */
export function replayBody(idn: ResponseIdentity, answer: CachedAnswer): Record<string, unknown> {
  return completeBody(idn, generationOf(answer));
}

/** Splits text into chunks of about `words` words, keeping every character (whitespace included). */
export function chunkText(text: string, words = 4): string[] {
  const parts = text.match(/\s*\S+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += words) out.push(parts.slice(i, i + words).join(''));
  const tail = text.slice(out.join('').length);
  if (tail.length > 0) out.push(tail);
  return out;
}

/** The SSE frames of a hit, in the same chunk format as a generation, ending with [DONE]. */
export function replayFrames(idn: ResponseIdentity, answer: CachedAnswer, includeUsage: boolean): string {
  const g = generationOf(answer);
  let out = openingFrame(idn, null) ?? '';
  const chunks = chunkText(g.text);
  chunks.forEach((chunk, i) => {
    // token ids cannot be split along text chunks; all of them ride on the first chunk
    out += deltaFrame(idn, chunk, i === 0 ? g.tokenIds : [], null, null, i === 0 ? null : undefined);
  });
  out += deltaFrame(idn, '', [], g.finishReason, null, chunks.length === 0 ? null : undefined);
  if (includeUsage) out += usageFrame(idn, g.usage);
  return out + DONE_FRAME;
}

/** The finished generation as the cache stores it. */
export function finishedAnswerOf(g: FinishedGeneration, model: string): FinishedAnswer {
  return {
    answer: {
      responseText: g.text,
      tokenIds: g.tokenIds,
      finishReason: g.finishReason,
      usage: {
        promptTokens: g.usage.prompt_tokens,
        completionTokens: g.usage.completion_tokens,
        totalTokens: g.usage.total_tokens,
      },
      model,
    },
    response: { status: 200, finishReason: g.finishReason, error: false },
  };
}
