/**
 * Exact-match keys and multi-turn identity: prompt normalization, the last-user-message extractor,
 * the context fingerprint (system prompt and every earlier turn, exact) and the scope key. Pure
 * string functions; the exact tier (lru-cache) and the index use them as given.
 */
import type { TenantId } from '../ids.js';
import { Fnv64 } from './hash.js';
import type { CacheScope, ChatMessage, SamplingParams } from './types.js';

const WHITESPACE = /\s+/gu;
/** Sentence-final punctuation (ASCII and CJK/fullwidth forms left after NFKC) and closing spaces. */
const TRAILING_PUNCT = /[\s.?!,;:。？！…、]+$/u;

/**
 * Normalizes a prompt for the exact tier: Unicode NFKC (fullwidth and compatibility forms fold to
 * their plain forms), lowercase, every run of whitespace becomes one space, leading/trailing space
 * removed, and trailing sentence punctuation (`. ? ! , ; : …` and CJK forms) trimmed. Inner
 * punctuation and digits are kept: `2.5` and `2,5` stay different prompts.
 */
export function normalizePrompt(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(WHITESPACE, ' ').trim().replace(TRAILING_PUNCT, '');
}

/** The text of one message; content parts contribute their `text`, joined by a newline. */
export function messageText(message: ChatMessage): string {
  const c = message.content;
  if (c === null) return '';
  if (typeof c === 'string') return c;
  let out = '';
  for (const part of c) {
    if (part.type === 'text' && typeof part.text === 'string')
      out = out.length === 0 ? part.text : `${out}\n${part.text}`;
  }
  return out;
}

/** Index of the last `user` message, or -1. */
export function lastUserIndex(messages: readonly ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return i;
  return -1;
}

/** The text of the last user message, or null when there is none (such requests are not cached). */
export function lastUserMessage(messages: readonly ChatMessage[]): string | null {
  const i = lastUserIndex(messages);
  return i < 0 ? null : messageText(messages[i]!);
}

/**
 * Fingerprint of everything except the last user message: every other message's role, name and
 * exact text, in order (system prompt, earlier turns, and anything after the last user message),
 * plus an optional `partition` (e.g. the model name). Two requests may share a semantic hit only when
 * their fingerprints are equal. A single-turn request without a system prompt has the fingerprint of
 * the empty context.
 */
export function contextFingerprint(messages: readonly ChatMessage[], partition = ''): string {
  const last = lastUserIndex(messages);
  const h = new Fnv64().field('ctx1').field(partition);
  for (let i = 0; i < messages.length; i++) {
    if (i === last) {
      h.field('\u0001last');
      continue;
    }
    const m = messages[i]!;
    h.field(m.role)
      .field(m.name ?? '')
      .field(messageText(m));
  }
  return h.hex();
}

/** The partition an entry lives in: one per tenant for `tenant` scope, one shared for `global`. */
export function scopeKey(scope: CacheScope, tenant: TenantId): string {
  return scope === 'global' ? 'global' : `tenant:${tenant}`;
}

const num = (v: number | undefined): string => (v === undefined ? '' : String(v));

/**
 * The exact-tier key: category, scope, context fingerprint, normalized prompt and every sampling
 * parameter that changes the answer, hashed with FNV-1a 64. The readable prefix lets the mechanism
 * invalidate by category or scope; the hash is not collision-proof, so a hit must confirm the stored
 * normalized prompt equals the query's.
 */
export function exactKey(
  category: string,
  scope: string,
  fingerprint: string,
  normalizedPrompt: string,
  sampling: SamplingParams,
): string {
  const h = new Fnv64()
    .field(fingerprint)
    .field(normalizedPrompt)
    .field(sampling.model)
    .field(num(sampling.temperature))
    .field(num(sampling.topP))
    .field(num(sampling.maxTokens))
    .field(num(sampling.seed))
    .field(sampling.responseFormat ?? '');
  for (const s of sampling.stop ?? []) h.field(s);
  return `${category}|${scope}|${h.hex()}`;
}
