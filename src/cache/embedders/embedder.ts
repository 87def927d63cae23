/**
 * The embedder contract: text in, unit-norm vectors out, in input order. Implementations own
 * their resources (threads, sockets) and release them in close(); they make no cache decisions.
 */

export interface Embedder {
  readonly name: string;
  readonly dims: number;
  /** One L2-normalized vector per text, same order as `texts`. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Normalizes `v` in place to unit L2 norm (a zero vector stays zero) and returns it. */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** Splits a packed row-major matrix into per-row views sharing its buffer. */
export function splitRows(packed: Float32Array, rows: number, dims: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) out.push(packed.subarray(r * dims, (r + 1) * dims));
  return out;
}
