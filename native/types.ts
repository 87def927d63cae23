/**
 * The typed contract of the native embedder and vector kernels, shared by the N-API addon and the
 * TypeScript fallback. Declarations and constants only: no implementation, no I/O.
 */

/** Default embedding width of the hash embedder. */
export const DEFAULT_HASH_DIMS = 512;
/** Widest embedding either implementation accepts. */
export const MAX_HASH_DIMS = 65536;
/**
 * Version of the embedding algorithm in native/README.md. Bump it whenever any output bit can
 * change (features, hash, weights, order, rounding): stored hash vectors must then be re-embedded.
 */
export const HASH_EMBEDDER_VERSION = 1;
/** Seed of the MurmurHash3 x86_32 feature hash ("fway"). */
export const HASH_SEED = 0x66776179;

/** The k best rows: `indices[i]` is a row number, `scores[i]` its dot score rounded to float32. */
export interface TopKResult {
  readonly indices: Int32Array;
  readonly scores: Float32Array;
}

/** Which implementation produced a result. Both give bitwise-identical outputs. */
export type KernelsKind = 'native' | 'fallback';

/** Public interface: normalizes text itself (NFKC + lowercase) and validates every argument. */
export interface HashKernels {
  readonly kind: KernelsKind;
  /** L2-normalized feature-hashing embedding of `text` (all zeros when `text` has no words). */
  hashEmbed(text: string, dims?: number): Float32Array;
  /** Row-major `texts.length * dims` embeddings, row i equal to `hashEmbed(texts[i], dims)`. */
  hashEmbedBatch(texts: readonly string[], dims?: number): Float32Array;
  /** Dot product with the documented 8-lane float64 summation order. */
  dot(a: Float32Array, b: Float32Array): number;
  /**
   * The `min(k, n)` rows of `matrix` (row-major, rows of `query.length` floats, at least n rows)
   * with the highest dot score: descending score, ties by lower index, NaN ranked last.
   */
  topK(query: Float32Array, matrix: Float32Array, n: number, k: number): TopKResult;
  /** MurmurHash3 x86_32 of `bytes` (unsigned), exposed for conformance tests. */
  murmur3(bytes: Uint8Array, seed: number): number;
}

/**
 * Raw primitives implemented twice (C++ addon and fallback.ts). They take already-normalized text
 * and assume arguments were validated by the wrapper in kernels.ts.
 */
export interface RawKernels {
  embed(normalizedText: string, dims: number): Float32Array;
  embedBatch(normalizedTexts: readonly string[], dims: number): Float32Array;
  dot(a: Float32Array, b: Float32Array): number;
  topK(query: Float32Array, matrix: Float32Array, n: number, k: number): TopKResult;
  murmur3(bytes: Uint8Array, seed: number): number;
}
