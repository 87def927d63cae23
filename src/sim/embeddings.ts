/**
 * Deterministic embeddings for the simulator's /v1/embeddings: signed feature hashing of token
 * unigrams and bigrams into `dims` buckets, L2-normalized. Similar texts share features, so cosine
 * similarity is meaningful for cache tests; no model weights.
 */

function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A unit vector for the token ids (the first basis vector for an empty input). */
export function embed(tokenIds: readonly number[], dims: number): Float32Array {
  const v = new Float32Array(dims);
  let prev = -1;
  for (const t of tokenIds) {
    const h1 = mix(t + 0x9e3779b9);
    v[h1 % dims] = (v[h1 % dims] ?? 0) + ((h1 & 0x80000000) === 0 ? 1 : -1);
    if (prev >= 0) {
      const h2 = mix(Math.imul(prev, 0x01000193) ^ t);
      v[h2 % dims] = (v[h2 % dims] ?? 0) + ((h2 & 0x80000000) === 0 ? 0.5 : -0.5);
    }
    prev = t;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) {
    v[0] = 1;
    return v;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i] = (v[i] ?? 0) * inv;
  return v;
}
