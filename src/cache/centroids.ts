/**
 * Category centroids for classification: the normalized mean of each category's exemplar
 * embeddings, computed once on the classifying embedder, and the per-request similarity scores the
 * pure classifier (src/core/cache) reads. It classifies nothing itself.
 */
import type { CachePolicyConfig } from '../core/cache/index.js';
import { l2NormalizeInPlace, type Embedder } from './embedders/embedder.js';
import { dot } from './verifier.js';

export type Centroids = ReadonlyMap<string, Float32Array>;

export async function computeCentroids(embedder: Embedder, config: CachePolicyConfig): Promise<Centroids> {
  const out = new Map<string, Float32Array>();
  for (const [name, c] of Object.entries(config.categories)) {
    if (c.exemplars.length === 0) continue;
    const vectors = await embedder.embed(c.exemplars);
    const mean = new Float32Array(embedder.dims);
    for (const v of vectors) for (let i = 0; i < mean.length; i++) mean[i]! += v[i]!;
    out.set(name, l2NormalizeInPlace(mean));
  }
  return out;
}

export function centroidScores(centroids: Centroids, vector: Float32Array): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, c] of centroids) out.set(name, dot(c, vector));
  return out;
}
