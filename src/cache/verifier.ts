/**
 * The verification stage after the nearest-neighbour search: a small logistic model over signals an
 * embedding alone misses (embedding cosine, feature-hashing cosine, content-word overlap, length
 * agreement, words only one side has). Its score in [0, 1] is what a category's `similarity`
 * threshold is compared with. Weights are fitted offline (`fitVerifier`); this file serves no hits.
 */
import { isStopword } from '../core/cache/text-features.js';

export const FEATURE_NAMES = [
  'semantic',
  'lexical',
  'jaccard',
  'lengthRatio',
  'unmatched',
  'semanticXjaccard',
] as const;
export type FeatureVector = readonly number[];

export interface VerifierWeights {
  /** Which embedder the semantic feature came from when the weights were fitted. */
  readonly embedder: string;
  readonly bias: number;
  /** One weight per FEATURE_NAMES entry. */
  readonly weights: readonly number[];
  /** Where the weights came from (data, split, size), for humans. */
  readonly provenance: string;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Content words of a text: lowercase letters/digits runs that are not stopwords. */
export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(WORD)) if (!isStopword(m[0])) out.add(m[0]);
  return out;
}

function wordCount(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(WORD)) n += 1;
  return n;
}

/** Cosine of two unit vectors (their dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** The feature vector of a (query, candidate) pair given their two cosines. */
export function pairFeatures(
  query: string,
  candidate: string,
  semanticCosine: number,
  lexicalCosine: number,
): FeatureVector {
  const a = contentWords(query);
  const b = contentWords(candidate);
  let both = 0;
  for (const w of a) if (b.has(w)) both += 1;
  const union = a.size + b.size - both;
  const jaccard = union === 0 ? 1 : both / union;
  const la = wordCount(query);
  const lb = wordCount(candidate);
  const lengthRatio = Math.max(la, lb) === 0 ? 1 : Math.min(la, lb) / Math.max(la, lb);
  const unmatched = Math.log1p(union - both);
  return [semanticCosine, lexicalCosine, jaccard, lengthRatio, unmatched, semanticCosine * jaccard];
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The verified score in [0, 1] of one feature vector. */
export function verifierScore(w: VerifierWeights, f: FeatureVector): number {
  let z = w.bias;
  for (let i = 0; i < f.length; i++) z += (w.weights[i] ?? 0) * f[i]!;
  return sigmoid(z);
}

export interface LabelledFeatures {
  readonly features: FeatureVector;
  readonly label: 0 | 1;
}

/**
 * Fits logistic-regression weights by full-batch gradient descent with a small L2 penalty.
 * Deterministic (zero start, fixed steps), so the same data gives the same weights.
 */
export function fitVerifier(
  data: readonly LabelledFeatures[],
  embedder: string,
  provenance: string,
  options: { readonly steps?: number; readonly learningRate?: number; readonly l2?: number } = {},
): VerifierWeights {
  const d = data[0]?.features.length ?? FEATURE_NAMES.length;
  const steps = options.steps ?? 3000;
  const lr = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  // standardize for conditioning, then fold the scaling back into the weights
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const x of data) for (let j = 0; j < d; j++) mean[j]! += x.features[j]! / data.length;
  for (const x of data) for (let j = 0; j < d; j++) sd[j]! += (x.features[j]! - mean[j]!) ** 2 / data.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const w = new Array<number>(d).fill(0);
  let b = 0;
  const grad = new Array<number>(d).fill(0);
  for (let step = 0; step < steps; step++) {
    grad.fill(0);
    let gb = 0;
    for (const x of data) {
      let z = b;
      for (let j = 0; j < d; j++) z += w[j]! * ((x.features[j]! - mean[j]!) / sd[j]!);
      const err = sigmoid(z) - x.label;
      gb += err;
      for (let j = 0; j < d; j++) grad[j]! += err * ((x.features[j]! - mean[j]!) / sd[j]!);
    }
    b -= (lr * gb) / data.length;
    for (let j = 0; j < d; j++) w[j]! -= lr * (grad[j]! / data.length + l2 * w[j]!);
  }
  const weights = w.map((wj, j) => wj / sd[j]!);
  const bias = b - w.reduce((s, wj, j) => s + (wj * mean[j]!) / sd[j]!, 0);
  return { embedder, bias, weights, provenance };
}

/** Content words in first-occurrence order. */
function orderedContentWords(text: string): string[] {
  return [...contentWords(text)];
}

/**
 * Fraction of shared content-word pairs that appear in the same relative order in both texts
 * (1 when fewer than two words are shared). Feature hashing is blind to order; this is not.
 */
export function orderAgreement(a: string, b: string): number {
  const posB = new Map(orderedContentWords(b).map((w, i) => [w, i]));
  const shared = orderedContentWords(a).filter((w) => posB.has(w));
  if (shared.length < 2) return 1;
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < shared.length; i++) {
    for (let j = i + 1; j < shared.length; j++) {
      pairs += 1;
      if (posB.get(shared[i]!)! < posB.get(shared[j]!)!) same += 1;
    }
  }
  return same / pairs;
}

/**
 * The lexical tier's score: the feature-hashing cosine when both texts have the same content words,
 * discounted by how far their order differs; 0 otherwise. A near-duplicate differs in case,
 * punctuation, stopwords or word order only ("show hidden files" and "hide hidden files" are not
 * near-duplicates, nor are "can A call B" and "can B call A"); anything else is the semantic tier's.
 */
export function lexicalScore(query: string, candidate: string, lexicalCosine: number): number {
  const a = contentWords(query);
  const b = contentWords(candidate);
  if (a.size !== b.size) return 0;
  for (const w of a) if (!b.has(w)) return 0;
  const order = orderAgreement(query, candidate);
  return lexicalCosine * order * order;
}

const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Shifts the bias so that a score of `threshold` sits where `precision` reaches `targetPrecision`
 * on `data` (scores above are hits; `allowed[i]` false means a guard vetoed pair i). The shift keeps
 * the ranking; it only places the configured threshold on the calibrated operating point.
 */
export function placeThreshold(
  w: VerifierWeights,
  data: readonly LabelledFeatures[],
  allowed: readonly boolean[],
  threshold: number,
  targetPrecision: number,
): VerifierWeights {
  const scored = data
    .map((x, i) => ({ z: logit(Math.min(1 - 1e-12, Math.max(1e-12, verifierScore(w, x.features)))), x, i }))
    .filter((s) => allowed[s.i] === true)
    .sort((a, b) => b.z - a.z);
  let tp = 0;
  let cut = scored[0]?.z ?? 0;
  // the lowest cut whose precision is still at or above the target
  for (let k = 0; k < scored.length; k++) {
    if (scored[k]!.x.label === 1) tp += 1;
    if (tp / (k + 1) >= targetPrecision && k >= 19) cut = scored[k]!.z;
  }
  return { ...w, bias: w.bias + logit(threshold) - cut };
}

/**
 * Like `placeThreshold`, but puts `threshold` in the middle (by number of hits) of the cuts where
 * precision is at least `minPrecision` and recall at least `minRecall` on `data`, so both bounds keep
 * a margin on unseen data. Falls back to `placeThreshold(minPrecision)` when no cut meets both.
 */
export function placeBetween(
  w: VerifierWeights,
  data: readonly LabelledFeatures[],
  allowed: readonly boolean[],
  threshold: number,
  minPrecision: number,
  minRecall: number,
): VerifierWeights {
  const scored = data
    .map((x, i) => ({ z: logit(Math.min(1 - 1e-12, Math.max(1e-12, verifierScore(w, x.features)))), x, i }))
    .filter((s) => allowed[s.i] === true)
    .sort((a, b) => b.z - a.z);
  const positives = data.filter((x) => x.label === 1).length;
  const feasible: number[] = [];
  let tp = 0;
  for (let k = 0; k < scored.length; k++) {
    if (scored[k]!.x.label === 1) tp += 1;
    if (k >= 19 && tp / (k + 1) >= minPrecision && positives > 0 && tp / positives >= minRecall) feasible.push(k);
  }
  if (feasible.length === 0) return placeThreshold(w, data, allowed, threshold, minPrecision);
  const k = feasible[Math.floor(feasible.length / 2)]!;
  return { ...w, bias: w.bias + logit(threshold) - scored[k]!.z };
}

/**
 * Vetoes a pair whose shared content words (at least four) mostly appear in the opposite order:
 * "can a Python script call a C library" vs "can a C library call a Python script". Paraphrases
 * reorder a word or two; swapped roles reverse most pairs.
 */
export function orderVeto(query: string, candidate: string): boolean {
  const a = contentWords(query);
  let shared = 0;
  for (const w of contentWords(candidate)) if (a.has(w)) shared += 1;
  return shared >= 4 && orderAgreement(query, candidate) <= 0.4;
}
