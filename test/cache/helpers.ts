/** Vectors and documents shared by the cache mechanism tests. */
import type { CachedAnswer } from '../../src/cache/stores/document-store.js';
import type { EntryMeta, ShardIndexParams } from '../../src/cache/worker-protocol.js';

export const DIMS = 16;

/** A unit vector mostly along axis `i`, with a small deterministic tilt so no two are identical. */
export function axis(i: number, dims = DIMS): Float32Array {
  const v = new Float32Array(dims);
  v[i % dims] = 1;
  v[(i + 1) % dims] = 0.05 * ((i % 7) + 1);
  let s = 0;
  for (const x of v) s += x * x;
  return v.map((x) => x / Math.sqrt(s));
}

export const params = (overrides: Partial<ShardIndexParams> = {}): ShardIndexParams => ({
  dims: DIMS,
  space: 'ip',
  m: 8,
  efConstruction: 64,
  ef: 64,
  initialCapacity: 4,
  maxElements: 64,
  randomSeed: 7,
  ...overrides,
});

export const meta = (id: string, expiresAtMs = 1_000_000, bytes = 100): EntryMeta => ({
  id,
  tenant: 't1',
  contextFingerprint: 'fp',
  createdAtMs: 0,
  expiresAtMs,
  bytes,
});

export const answer = (text = 'cached answer'): CachedAnswer => ({
  responseText: text,
  tokenIds: null,
  finishReason: 'stop',
  usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
  model: 'm',
});

export const bigQuota = { maxEntries: 1_000, maxBytes: 1_000_000 };

/** A deterministic unit vector distinct for every i (no period), for tests with many entries. */
export function distinct(i: number, dims = DIMS): Float32Array {
  const v = new Float32Array(dims);
  for (let d = 0; d < dims; d++) v[d] = (Math.sin((i + 1) * 12.9898 + d * 78.233) * 43758.5453) % 1;
  let s = 0;
  for (const x of v) s += x * x;
  return v.map((x) => x / Math.sqrt(s));
}
