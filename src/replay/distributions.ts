/**
 * Random variates for synthetic workloads, drawn from an injected seeded Rng: Gamma (Marsaglia-Tsang,
 * with the shape < 1 boost) for inter-arrival times and a bounded Zipf for token lengths. Pure.
 */
import type { Rng } from '../core/rng.js';

/** Uniform in (0, 1): never 0, so logs and powers stay finite. */
function open01(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return u;
}

export function standardNormal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(open01(rng))) * Math.cos(2 * Math.PI * rng.next());
}

/** Gamma(shape k, scale theta): mean k * theta, CV 1 / sqrt(k). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * Math.pow(open01(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = open01(rng);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Inter-arrival sampler with the given mean rate (req/s) and coefficient of variation, in ms. */
export function gammaInterArrivalMs(rng: Rng, ratePerS: number, cv: number): () => number {
  if (cv === 0) return () => 1000 / ratePerS;
  const shape = 1 / (cv * cv);
  const scaleMs = 1000 / (ratePerS * shape);
  return () => gamma(rng, shape, scaleMs);
}

/** Zipf over the integers [min, max]: P(x) proportional to x^-exponent. Inverse CDF by binary search. */
export function boundedZipf(rng: Rng, min: number, max: number, exponent: number): () => number {
  const n = max - min + 1;
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += Math.pow(min + i, -exponent);
    cdf[i] = acc;
  }
  return () => {
    const u = rng.next() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return min + lo;
  };
}
