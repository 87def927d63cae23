/**
 * The verification stage of one vector tier: search the category's shard, drop candidates of another
 * context or already expired, score the rest (lexical: `lexicalScore`; semantic: the fitted verifier
 * over embedding cosine, hashing cosine and word overlap, and the word-order veto) and let the policy
 * decide each. Also the
 * small helpers the service shares with it. No state of its own.
 */
import type { CacheCandidate, CachePolicy, CacheQuery } from '../core/cache/index.js';
import type { Embedder } from './embedders/embedder.js';
import type { ExactEntry } from './exact-tier.js';
import type { SemanticIndex } from './semantic-index.js';
import type { CacheTicket, StoredAnswer } from './semantic-cache-types.js';
import type { CachedDocument } from './stores/document-store.js';
import { dot, lexicalScore, orderVeto, pairFeatures, verifierScore, type VerifierWeights } from './verifier.js';

const MEMO_ENTRIES = 4096;

/** A small insertion-ordered memo (oldest dropped first); values are pure functions of the key. */
export class Memo<V> {
  #map = new Map<string, V>();
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    if (this.#map.size >= MEMO_ENTRIES) this.#map.delete(this.#map.keys().next().value!);
    this.#map.set(key, value);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
  clear(): void {
    this.#map.clear();
  }
}

export interface TierSpec {
  readonly tier: 'lexical' | 'semantic';
  readonly index: SemanticIndex;
  readonly embedder: Embedder;
  /** Semantic tier only; the lexical tier scores with `lexicalScore`. */
  readonly verifier: VerifierWeights;
}

export interface TierVerdict {
  readonly winner: {
    readonly id: string;
    readonly cosine: number;
    readonly score: number;
    readonly threshold: number;
    readonly answer: StoredAnswer;
  } | null;
  /** The best candidate that was not served, and why. */
  readonly best: { readonly score: number; readonly reason: string } | null;
}

export async function verifyTier(
  spec: TierSpec,
  ticket: CacheTicket,
  query: CacheQuery,
  vector: Float32Array,
  hashQuery: Float32Array,
  nowMs: number,
  deps: {
    readonly policy: CachePolicy;
    readonly searchK: number;
    readonly hashOf: (text: string) => Promise<Float32Array>;
  },
): Promise<TierVerdict> {
  const candidates = await spec.index.search({
    category: ticket.category,
    scopeKey: ticket.scopeKey,
    vector,
    k: deps.searchK,
    nowMs,
  });
  let winner: TierVerdict['winner'] = null;
  let best: TierVerdict['best'] = null;
  for (const c of candidates) {
    if (c.meta.contextFingerprint !== ticket.fingerprint || c.meta.expiresAtMs <= nowMs) continue;
    const doc = await spec.index.getDocument(ticket.category, ticket.scopeKey, c.meta.id);
    if (doc === undefined) continue;
    const answer = doc.answer as StoredAnswer;
    let score: number;
    if (spec.tier === 'lexical') score = lexicalScore(ticket.text, answer.query, c.similarity);
    else {
      const lexical = dot(hashQuery, await deps.hashOf(answer.query));
      score = verifierScore(spec.verifier, pairFeatures(ticket.text, answer.query, c.similarity, lexical));
    }
    if (spec.tier === 'semantic' && orderVeto(ticket.text, answer.query)) {
      if (best === null || score > best.score) best = { score, reason: 'order' };
      continue;
    }
    const d = deps.policy.decideHit(query, candidateFromDoc(doc, answer), score, nowMs);
    if (!d.hit) {
      if (best === null || score > best.score) best = { score, reason: d.guard ?? d.reason };
    } else if (winner === null || score > winner.score) {
      winner = { id: c.meta.id, cosine: c.similarity, score, threshold: d.threshold, answer };
    }
  }
  return { winner, best };
}

export function candidateOf(e: ExactEntry): CacheCandidate {
  return {
    category: e.category,
    scopeKey: e.scopeKey,
    contextFingerprint: e.fingerprint,
    text: e.text,
    storedAtMs: e.storedAtMs,
    ttlSeconds: e.ttlSeconds,
  };
}

function candidateFromDoc(doc: CachedDocument, answer: StoredAnswer): CacheCandidate {
  return {
    category: doc.category,
    scopeKey: doc.scopeKey,
    contextFingerprint: doc.contextFingerprint,
    text: answer.query,
    storedAtMs: doc.createdAtMs,
    ttlSeconds: answer.ttlSeconds,
  };
}
