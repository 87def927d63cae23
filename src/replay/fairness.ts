/**
 * Windowed fairness metrics (reference/algorithms.md section 0): per-tenant service and demand rates in
 * sliding windows, the VTC service difference (sum variant) and Jain's index over demand-capped service.
 * Pure functions of the records; no I/O.
 */
import type { RequestRecord } from './record.js';

export interface FairnessOptions {
  /** Window width; service overlapping [t - w/2, t + w/2) counts at tick t. Default 60 000. */
  readonly windowMs?: number;
  /** Evaluation ticks, evenly spaced from the first arrival to the last finish inclusive. Default 100. */
  readonly ticks?: number;
  /** Start the ticks this long after the first arrival (exclude warm-up). Default 0. */
  readonly warmupMs?: number;
  /** End the ticks at the last arrival instead of the last finish (exclude the drain). Default false. */
  readonly excludeDrain?: boolean;
  /** VTC cost weights: cost = inputCost * prompt + outputCost * output. Defaults 1 and 2. */
  readonly inputCost?: number;
  readonly outputCost?: number;
}

export interface ServiceSeries {
  readonly tenants: readonly string[];
  readonly weights: readonly number[];
  readonly ticksMs: readonly number[];
  /** service[tenant][tick] in cost units per second (not weight-normalized). */
  readonly service: readonly (readonly number[])[];
  /** demand[tenant][tick] in cost units per second. */
  readonly demand: readonly (readonly number[])[];
}

export function requestCost(r: RequestRecord, inputCost = 1, outputCost = 2): number {
  return inputCost * r.promptTokens + outputCost * r.outputTokens;
}

/** Service (spread over each completed request's [first token, finish]) and demand (at arrival) per window. */
export function serviceOverTime(records: readonly RequestRecord[], options: FairnessOptions = {}): ServiceSeries {
  const windowMs = options.windowMs ?? 60_000;
  const tickCount = Math.max(1, options.ticks ?? 100);
  const inputCost = options.inputCost ?? 1;
  const outputCost = options.outputCost ?? 2;
  const tenantIndex = new Map<string, number>();
  const weights: number[] = [];
  let startMs = Infinity;
  let endMs = -Infinity;
  let lastArrivalMs = -Infinity;
  for (const r of records) {
    if (!tenantIndex.has(r.tenant)) {
      tenantIndex.set(r.tenant, tenantIndex.size);
      weights.push(r.weight);
    }
    startMs = Math.min(startMs, r.arrivalMs);
    endMs = Math.max(endMs, r.finishMs);
    lastArrivalMs = Math.max(lastArrivalMs, r.arrivalMs);
  }
  if (options.excludeDrain === true) endMs = lastArrivalMs;
  startMs = Math.min(endMs, startMs + (options.warmupMs ?? 0));
  const tenants = [...tenantIndex.keys()];
  const order = tenants.map((_, i) => i).sort((a, b) => (tenants[a]! < tenants[b]! ? -1 : 1));
  if (records.length === 0) return { tenants: [], weights: [], ticksMs: [], service: [], demand: [] };
  const ticksMs = Array.from({ length: tickCount }, (_, k) =>
    tickCount === 1 ? startMs : startMs + ((endMs - startMs) * k) / (tickCount - 1),
  );
  const service = tenants.map(() => new Array<number>(tickCount).fill(0));
  const demand = tenants.map(() => new Array<number>(tickCount).fill(0));
  const half = windowMs / 2;
  const perS = 1000 / windowMs;
  for (const r of records) {
    const ti = tenantIndex.get(r.tenant)!;
    const cost = requestCost(r, inputCost, outputCost);
    const first = r.tokenTimesMs[0];
    for (let k = 0; k < tickCount; k++) {
      const lo = ticksMs[k]! - half;
      const hi = ticksMs[k]! + half;
      if (r.arrivalMs >= lo && r.arrivalMs < hi) demand[ti]![k]! += cost * perS;
      if (!r.ok || first === undefined) continue;
      const len = r.finishMs - first;
      const overlap =
        len > 0
          ? Math.max(0, Math.min(hi, r.finishMs) - Math.max(lo, first)) / len
          : r.finishMs >= lo && r.finishMs < hi
            ? 1
            : 0;
      if (overlap > 0) service[ti]![k]! += cost * overlap * perS;
    }
  }
  return {
    tenants: order.map((i) => tenants[i]!),
    weights: order.map((i) => weights[i]!),
    ticksMs,
    service: order.map((i) => service[i]!),
    demand: order.map((i) => demand[i]!),
  };
}

/** Weighted max-min fair split of `total` among clients with caps (water-filling). */
export function waterFill(total: number, caps: readonly number[], weights: readonly number[]): number[] {
  const alloc = caps.map(() => 0);
  const order = caps.map((_, i) => i).sort((a, b) => caps[a]! / weights[a]! - caps[b]! / weights[b]!);
  let remaining = total;
  let weightLeft = order.reduce((s, i) => s + weights[i]!, 0);
  for (const i of order) {
    const fair = (remaining * weights[i]!) / weightLeft;
    const a = Math.min(caps[i]!, fair);
    alloc[i] = a;
    remaining -= a;
    weightLeft -= weights[i]!;
  }
  return alloc;
}

/** Jain's index J = (sum x)^2 / (n sum x^2) of x_i = s_i / o_i, o = demand-capped fair share. */
export function jainDemandCapped(
  service: readonly number[],
  demand: readonly number[],
  weights: readonly number[],
): number | null {
  const active = service.map((_, i) => i).filter((i) => service[i]! > 0 || demand[i]! > 0);
  const total = active.reduce((s, i) => s + service[i]!, 0);
  if (active.length === 0 || total <= 0) return null;
  // A client served more than it asked for in this window was still backlogged: cap at max(d, s).
  const caps = active.map((i) => Math.max(demand[i]!, service[i]!));
  const fair = waterFill(
    total,
    caps,
    active.map((i) => weights[i]!),
  );
  const xs = active.map((i, j) => (fair[j]! > 0 ? service[i]! / fair[j]! : 0));
  const sum = xs.reduce((s, x) => s + x, 0);
  const sumSq = xs.reduce((s, x) => s + x * x, 0);
  return sumSq > 0 ? (sum * sum) / (xs.length * sumSq) : null;
}

/** Sum over clients of min(max_j s_j - s_i, |d_i - s_i|), on weight-normalized rates. */
export function vtcDifference(
  service: readonly number[],
  demand: readonly number[],
  weights: readonly number[],
): number {
  const s = service.map((v, i) => v / weights[i]!);
  const d = demand.map((v, i) => v / weights[i]!);
  const best = Math.max(...s);
  let diff = 0;
  for (let i = 0; i < s.length; i++) diff += Math.min(best - s[i]!, Math.abs(d[i]! - s[i]!));
  return diff;
}

export interface FairnessSummary {
  readonly jain: number | null;
  readonly vtcDiff: { readonly max: number; readonly avg: number };
  readonly series: ServiceSeries;
}

export function fairness(records: readonly RequestRecord[], options: FairnessOptions = {}): FairnessSummary {
  const series = serviceOverTime(records, options);
  const jains: number[] = [];
  const diffs: number[] = [];
  for (let k = 0; k < series.ticksMs.length; k++) {
    const s = series.service.map((row) => row[k]!);
    const d = series.demand.map((row) => row[k]!);
    const j = jainDemandCapped(s, d, series.weights);
    if (j !== null) jains.push(j);
    diffs.push(vtcDifference(s, d, series.weights));
  }
  const avg = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    jain: jains.length === 0 ? null : avg(jains),
    vtcDiff: { max: diffs.length === 0 ? 0 : Math.max(...diffs), avg: avg(diffs) },
    series,
  };
}
