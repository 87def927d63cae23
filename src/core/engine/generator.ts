/**
 * The deterministic "model": the next token is a pure function of a rolling hash of the whole context
 * (prompt + generated ids) and the instance seed, so a greedy continuation of `prompt + first k
 * tokens` yields exactly the rest of the uninterrupted run. Emits space-prefixed pseudo-words, some
 * punctuation and EOS. No state beyond the hash the caller threads through.
 */
import { BYTE_TOKEN_BASE, EOS_TOKEN_ID, SPACED_WORD_COUNT, spacedWordTokenId } from './tokenizer.js';

/** Mean distance between natural EOS decisions (geometric), in tokens. */
export const EOS_ONE_IN = 256;
/** One in this many tokens is punctuation instead of a word. */
const PUNCTUATION_ONE_IN = 12;
const PUNCTUATION_TOKEN_IDS = [BYTE_TOKEN_BASE + 0x2e, BYTE_TOKEN_BASE + 0x2c, BYTE_TOKEN_BASE + 0x0a]; // '.', ',', '\n'

function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The context hash of the empty context for an instance seed. */
export function initialContextHash(seed: number): number {
  return fmix32((seed >>> 0) ^ 0x6a09e667);
}

/** Extends a context hash by one token id. */
export function pushContextHash(hash: number, tokenId: number): number {
  return fmix32(Math.imul(hash ^ 0x27d4eb2f, 0x165667b1) + tokenId);
}

/** Extends a context hash by a list of token ids. */
export function contextHashOf(seed: number, tokenIds: readonly number[]): number {
  let h = initialContextHash(seed);
  for (const t of tokenIds) h = pushContextHash(h, t);
  return h;
}

export interface TokenChoice {
  /** The non-EOS token to emit when EOS is not wanted or is suppressed. */
  readonly tokenId: number;
  /** Whether the model "wants" to stop here. */
  readonly eos: boolean;
}

/**
 * Chooses the next token from the context hash. `samplingSeed` is null for greedy decoding; with a
 * seed (temperature > 0) the choice is a different, equally deterministic function of the context.
 */
export function chooseToken(contextHash: number, samplingSeed: number | null): TokenChoice {
  const x = samplingSeed === null ? contextHash : fmix32(contextHash ^ fmix32(samplingSeed ^ 0x3c6ef372));
  const r = fmix32(x ^ 0x510e527f);
  const eos = r % EOS_ONE_IN === 0;
  const r2 = fmix32(r + 0x9b05688c);
  const tokenId =
    r2 % PUNCTUATION_ONE_IN === 0
      ? (PUNCTUATION_TOKEN_IDS[(r2 >>> 8) % PUNCTUATION_TOKEN_IDS.length] ?? EOS_TOKEN_ID)
      : spacedWordTokenId((r2 >>> 4) % SPACED_WORD_COUNT);
  return { tokenId, eos };
}
