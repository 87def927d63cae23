/**
 * The hit decision for one candidate the index returned: partition checks (category, scope,
 * context fingerprint), expiry at the adapted TTL, the adapted similarity threshold, then the
 * hard-negative guards. Returns a tagged hit or a miss with its reason; never throws on bad luck.
 */
import { adaptPolicy, ttlStretch } from './adaptive.js';
import { applyGuards, type Guard } from './guards.js';
import { normalizePrompt } from './keys.js';
import { analyzeText, type TextFeatures } from './text-features.js';
import type { CacheCandidate, CacheQuery, CategoryConfig, HitDecision } from './types.js';

/** Milliseconds after storing at which an entry stops being served at adaptation level `load`. */
export function lifetimeMs(category: CategoryConfig, candidateTtlSeconds: number, load: number): number {
  return candidateTtlSeconds * 1000 * ttlStretch(category, load);
}

/** Analyzes texts; the policy passes one that remembers the last query (k candidates, one query). */
export type Analyze = (text: string) => TextFeatures;

export function decideHitWith(
  category: CategoryConfig | undefined,
  guards: readonly Guard[],
  analyzeQuery: Analyze,
  query: CacheQuery,
  candidate: CacheCandidate,
  similarity: number,
  nowMs: number,
): HitDecision {
  if (category === undefined || candidate.category !== query.category) {
    return { hit: false, reason: 'category-mismatch', similarity, threshold: 1 };
  }
  const effective = adaptPolicy(query.category, category, query.load);
  const threshold = effective.similarity;
  const miss = (reason: Exclude<HitDecision, { hit: true }>['reason']): HitDecision => ({
    hit: false,
    reason,
    similarity,
    threshold,
  });
  if (candidate.scopeKey !== query.scopeKey) return miss('scope-mismatch');
  if (candidate.contextFingerprint !== query.contextFingerprint) return miss('context-mismatch');
  // the entry lives [storedAtMs, storedAtMs + lifetime): at exactly its TTL it is gone
  const ageMs = nowMs - candidate.storedAtMs;
  // a TTL lowered live applies to entries stored before the change; a raised one does not
  const baseTtlSeconds = Math.min(candidate.ttlSeconds, category.ttlSeconds);
  if (baseTtlSeconds <= 0 || ageMs >= lifetimeMs(category, baseTtlSeconds, query.load)) return miss('expired');
  if (!(similarity >= threshold)) return miss('below-threshold');
  if (normalizePrompt(query.text) !== normalizePrompt(candidate.text)) {
    const verdict = applyGuards(analyzeQuery(query.text), analyzeText(candidate.text), guards);
    if (!verdict.ok) {
      return { hit: false, reason: 'guard', similarity, threshold, guard: verdict.guard, detail: verdict.detail };
    }
  }
  return { hit: true, similarity, threshold };
}
