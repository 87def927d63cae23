/**
 * Loader for the native embedder and vector kernels: uses the N-API addon
 * (native/build/Release/fairway_native.node) when it is built and loads, the TypeScript fallback
 * otherwise. Both produce bitwise-identical results. Set FAIRWAY_NATIVE=0 to force the fallback.
 */
import { createRequire } from 'node:module';

import { fallbackImpl } from './fallback.js';
import { createKernels } from './kernels.js';
import type { HashKernels, RawKernels, TopKResult } from './types.js';

export { DEFAULT_HASH_DIMS, HASH_EMBEDDER_VERSION, HASH_SEED, MAX_HASH_DIMS } from './types.js';
export type { HashKernels, KernelsKind, TopKResult } from './types.js';
export { normalizeForHash } from './kernels.js';
export { fallbackImpl };

/** Where the addon may be, relative to this module: source tree (tsx) or dist/native (tsc build). */
const ADDON_CANDIDATES = ['./build/Release/fairway_native.node', '../../native/build/Release/fairway_native.node'];

function loadNative(): { impl: HashKernels | null; error: string | null } {
  if (process.env['FAIRWAY_NATIVE'] === '0') return { impl: null, error: 'disabled by FAIRWAY_NATIVE=0' };
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const candidate of ADDON_CANDIDATES) {
    try {
      const raw = require(candidate) as RawKernels;
      return { impl: createKernels('native', raw), error: null };
    } catch (err) {
      errors.push(`${candidate}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  return { impl: null, error: errors.join('; ') };
}

const loaded = loadNative();

/** The addon-backed implementation, or null when the addon is not built or failed to load. */
export const nativeImpl: HashKernels | null = loaded.impl;
/** Why the addon is not in use (null when it is). */
export const nativeLoadError: string | null = loaded.error;
/** True when the functions below run in the C++ addon. */
export const nativeAvailable: boolean = nativeImpl !== null;
/** The implementation the functions below use. */
export const kernels: HashKernels = nativeImpl ?? fallbackImpl;

/** L2-normalized feature-hashing embedding (NFKC + lowercase first); all zeros when there are no words. */
export function hashEmbed(text: string, dims?: number): Float32Array {
  return kernels.hashEmbed(text, dims);
}

/** Row-major `texts.length * dims` embeddings. */
export function hashEmbedBatch(texts: readonly string[], dims?: number): Float32Array {
  return kernels.hashEmbedBatch(texts, dims);
}

/** Dot product (8-lane float64 summation, identical in both implementations). */
export function dot(a: Float32Array, b: Float32Array): number {
  return kernels.dot(a, b);
}

/** Best `min(k, n)` rows of a row-major matrix by dot score: descending, ties by lower index. */
export function topK(query: Float32Array, matrix: Float32Array, n: number, k: number): TopKResult {
  return kernels.topK(query, matrix, n, k);
}
