/**
 * Cache quality measurement shared by `fairway cache eval|calibrate` and bench/cache-quality.ts:
 * labelled pairs, the documented calibrate/report split, pair scoring with the very functions the
 * cache uses, precision/recall at thresholds and curves. It serves nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GUARDS, analyzeText, applyGuards, type CachePolicyConfig, type ChatMessage } from '../core/cache/index.js';
import type { Embedder } from './embedders/embedder.js';
import {
  dot,
  lexicalScore,
  orderVeto,
  pairFeatures,
  verifierScore,
  type FeatureVector,
  type VerifierWeights,
} from './verifier.js';

export interface LabelledPair {
  readonly a: string;
  readonly b: string;
  readonly label: 0 | 1;
  readonly category?: string;
  readonly context_a?: readonly ChatMessage[];
  readonly context_b?: readonly ChatMessage[];
  readonly kind?: string;
}

/** Reads JSONL pairs; `limit` keeps the first N. */
export function readPairs(file: string, limit = Number.POSITIVE_INFINITY): LabelledPair[] {
  const out: LabelledPair[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (out.length >= limit) break;
    if (line.trim() === '') continue;
    const p = JSON.parse(line) as LabelledPair;
    out.push({ ...p, label: Number(p.label) === 1 ? 1 : 0 });
  }
  return out;
}

/**
 * The split: `calibrate` when the first 8 hex digits of sha256(a + "\0" + b) are even, `report`
 * otherwise. Deterministic and independent of file order.
 */
export function splitOf(p: LabelledPair): 'calibrate' | 'report' {
  const h = parseInt(createHash('sha256').update(`${p.a}\u0000${p.b}`).digest('hex').slice(0, 8), 16);
  return h % 2 === 0 ? 'calibrate' : 'report';
}

/** Wraps an embedder with an unbounded memo and a batched prefetch (eval embeds each text once). */
export function memoEmbedder(inner: Embedder): Embedder & { prefetch(texts: readonly string[]): Promise<void> } {
  const memo = new Map<string, Float32Array>();
  return {
    name: inner.name,
    dims: inner.dims,
    async prefetch(texts) {
      const todo = [...new Set(texts)].filter((t) => !memo.has(t));
      for (let i = 0; i < todo.length; i += 64) {
        const batch = todo.slice(i, i + 64);
        const vs = await inner.embed(batch);
        batch.forEach((t, j) => memo.set(t, vs[j]!));
      }
    },
    async embed(texts) {
      const missing = texts.filter((t) => !memo.has(t));
      if (missing.length > 0) {
        const vs = await inner.embed(missing);
        missing.forEach((t, j) => memo.set(t, vs[j]!));
      }
      return texts.map((t) => memo.get(t)!);
    },
    close: () => inner.close(),
  };
}

export interface ScoredPair {
  readonly pair: LabelledPair;
  /** Verifier score on the semantic embedder (null without one). */
  readonly semantic: number | null;
  readonly semanticCosine: number | null;
  /** Lexical tier score (feature hashing). */
  readonly lexical: number;
  readonly features: FeatureVector | null;
  /** No guard vetoes the pair (or the texts normalize equal). */
  readonly guardsOk: boolean;
}

/** Scores pairs as the cache would score b looked up against a stored a. */
export async function scorePairs(
  pairs: readonly LabelledPair[],
  hash: Embedder,
  semantic: Embedder | null,
  verifier: VerifierWeights,
  policy: CachePolicyConfig,
): Promise<ScoredPair[]> {
  const guards = GUARDS.filter((g) => policy.guards.includes(g.name));
  const texts = pairs.flatMap((p) => [p.a, p.b]);
  const hv = await hash.embed(texts);
  const sv = semantic === null ? null : await semantic.embed(texts);
  return pairs.map((pair, i) => {
    const lexCos = dot(hv[2 * i]!, hv[2 * i + 1]!);
    const guardsOk = applyGuards(analyzeText(pair.b), analyzeText(pair.a), guards).ok && !orderVeto(pair.b, pair.a);
    if (sv === null) {
      return {
        pair,
        semantic: null,
        semanticCosine: null,
        lexical: lexicalScore(pair.b, pair.a, lexCos),
        features: null,
        guardsOk,
      };
    }
    const cos = dot(sv[2 * i]!, sv[2 * i + 1]!);
    const features = pairFeatures(pair.b, pair.a, cos, lexCos);
    return {
      pair,
      semantic: verifierScore(verifier, features),
      semanticCosine: cos,
      lexical: lexicalScore(pair.b, pair.a, lexCos),
      features,
      guardsOk,
    };
  });
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface QualityRow {
  readonly pairs: number;
  readonly hits: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False hits / served hits; 0 when nothing was served. */
  readonly false_hit_rate: number;
}

export function rowOf(c: Confusion): QualityRow {
  const hits = c.tp + c.fp;
  const precision = hits === 0 ? 0 : c.tp / hits;
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    pairs: c.tp + c.fp + c.fn + c.tn,
    hits,
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    false_hit_rate: round(hits === 0 ? 0 : c.fp / hits),
  };
}

export const round = (x: number): number => Math.round(x * 10_000) / 10_000;

export function tally(c: Confusion, hit: boolean, label: 0 | 1): void {
  if (hit && label === 1) c.tp += 1;
  else if (hit) c.fp += 1;
  else if (label === 1) c.fn += 1;
  else c.tn += 1;
}

export const emptyConfusion = (): Confusion => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

/** Precision/recall at each threshold for a score (pairs vetoed by guards never hit). */
export function curve(
  scored: readonly ScoredPair[],
  scoreOf: (s: ScoredPair) => number | null,
  thresholds: readonly number[],
): { threshold: number; precision: number; recall: number; f1: number; hits: number }[] {
  return thresholds.map((threshold) => {
    const c = emptyConfusion();
    for (const s of scored) {
      const v = scoreOf(s);
      tally(c, v !== null && s.guardsOk && v >= threshold, s.pair.label);
    }
    const r = rowOf(c);
    return { threshold, precision: r.precision, recall: r.recall, f1: r.f1, hits: r.hits };
  });
}

/** The lowest threshold (from `grid`) whose precision reaches `target` with at least `minHits` hits. */
export function thresholdFor(
  scored: readonly ScoredPair[],
  scoreOf: (s: ScoredPair) => number | null,
  target: number,
  grid: readonly number[],
  minHits = 10,
): number | null {
  const points = curve(scored, scoreOf, grid).filter((p) => p.hits >= minHits && p.precision >= target);
  return points.length === 0 ? null : Math.min(...points.map((p) => p.threshold));
}

/**
 * The middle (by hits) of the grid thresholds whose precision reaches `minPrecision` and recall
 * `minRecall` with at least `minHits` hits: both goals keep a margin on unseen pairs, unlike the
 * lowest threshold that just reaches the precision target. Null when no threshold meets both.
 */
export function thresholdBetween(
  scored: readonly ScoredPair[],
  scoreOf: (s: ScoredPair) => number | null,
  minPrecision: number,
  minRecall: number,
  grid: readonly number[],
  minHits = 5,
): number | null {
  const points = curve(scored, scoreOf, grid).filter(
    (p) => p.hits >= minHits && p.precision >= minPrecision && p.recall >= minRecall,
  );
  if (points.length === 0) return null;
  const lo = Math.min(...points.map((p) => p.hits));
  const hi = Math.max(...points.map((p) => p.hits));
  const mid = (lo + hi) / 2;
  // the feasible point whose hit count is nearest the middle; ties go to the higher threshold
  return points.reduce((best, p) =>
    Math.abs(p.hits - mid) < Math.abs(best.hits - mid) ||
    (Math.abs(p.hits - mid) === Math.abs(best.hits - mid) && p.threshold > best.threshold)
      ? p
      : best,
  ).threshold;
}

export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 100 }, (_, i) => round(0.5 + i * 0.005));
