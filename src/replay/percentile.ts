/**
 * Percentiles by the nearest-rank method, the one method used by every report: for sorted values
 * x[1..n], P(p) = x[ceil(p/100 * n)] (rank at least 1). No interpolation; empty input gives null.
 */

/** Nearest-rank percentile of already sorted (ascending) values. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  // p * n / 100 with a tiny tolerance so 99.9 * 1000 / 100 lands on rank 999, not 1000.
  const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
  return sorted[Math.min(rank, n) - 1] ?? null;
}

/** A sorted numeric copy (typed array: fast numeric sort for millions of token gaps). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
