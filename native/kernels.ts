/**
 * Turns a `RawKernels` (addon or fallback) into the public `HashKernels`: JS-side text
 * normalization and argument validation live here once, so both implementations see identical
 * input and reject bad arguments with identical errors. No algorithm code here.
 */
import { DEFAULT_HASH_DIMS, MAX_HASH_DIMS } from './types.js';
import type { HashKernels, KernelsKind, RawKernels, TopKResult } from './types.js';

/** The normalization both implementations embed: Unicode NFKC, then lowercase. */
export function normalizeForHash(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function checkDims(dims: number): void {
  if (!Number.isInteger(dims) || dims < 1 || dims > MAX_HASH_DIMS) {
    throw new RangeError(`dims must be an integer in [1, ${MAX_HASH_DIMS}]`);
  }
}

function checkCount(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`topK: ${name} must be a non-negative integer`);
  }
}

export function createKernels(kind: KernelsKind, raw: RawKernels): HashKernels {
  return {
    kind,
    hashEmbed(text: string, dims: number = DEFAULT_HASH_DIMS): Float32Array {
      if (typeof text !== 'string') throw new TypeError('hashEmbed(text, dims): text must be a string');
      checkDims(dims);
      return raw.embed(normalizeForHash(text), dims);
    },
    hashEmbedBatch(texts: readonly string[], dims: number = DEFAULT_HASH_DIMS): Float32Array {
      if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
        throw new TypeError('hashEmbedBatch(texts, dims): texts must be an array of strings');
      }
      checkDims(dims);
      return raw.embedBatch(texts.map(normalizeForHash), dims);
    },
    dot(a: Float32Array, b: Float32Array): number {
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array)) {
        throw new TypeError('dot(a, b): a and b must be Float32Arrays');
      }
      if (a.length !== b.length) throw new RangeError('dot(a, b): lengths differ');
      return raw.dot(a, b);
    },
    topK(query: Float32Array, matrix: Float32Array, n: number, k: number): TopKResult {
      if (!(query instanceof Float32Array) || !(matrix instanceof Float32Array)) {
        throw new TypeError('topK(query, matrix, n, k): query and matrix must be Float32Arrays');
      }
      checkCount(n, 'n', 0x7fffffff);
      checkCount(k, 'k', Number.MAX_SAFE_INTEGER);
      if (query.length === 0) throw new RangeError('topK: query must not be empty');
      if (n > Math.floor(matrix.length / query.length)) {
        throw new RangeError('topK: matrix holds fewer than n rows of query.length');
      }
      return raw.topK(query, matrix, n, k);
    },
    murmur3(bytes: Uint8Array, seed: number): number {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('murmur3(bytes, seed): bytes must be a Uint8Array');
      return raw.murmur3(bytes, seed >>> 0);
    },
  };
}
