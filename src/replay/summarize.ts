/**
 * The JSON report contract shared by `replay`, `simulate` and `compare` (documented in docs/reports.md):
 * one function from per-request records and run facts to a plain, deterministic object. Key order is
 * fixed and tenants are sorted by name, so the same records give byte-identical JSON.
 */
import { fairness } from './fairness.js';
import type { FairnessOptions } from './fairness.js';
import { mean, nearestRank, sortedCopy } from './percentile.js';
import { deliveredTokens } from './record.js';
import type { RequestRecord, RunFacts } from './record.js';

export interface SloTarget {
  readonly ttftMs: number;
  readonly tpotMs: number;
}

export interface SummarizeOptions extends FairnessOptions {
  /** Default TTFT 2000 ms and TPOT 100 ms (MLPerf "Conversational"). */
  readonly slo?: SloTarget;
}

type Num = number | null;

export interface TenantSummary {
  readonly requests: number;
  readonly completed: number;
  readonly service_tokens: number;
  readonly weight: number;
  readonly ttft_ms: { readonly p50: Num; readonly p99: Num };
}

export interface RunSummary {
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  readonly ttft_ms: { readonly p50: Num; readonly p90: Num; readonly p99: Num };
  readonly tbt_ms: { readonly p99: Num; readonly p999: Num };
  readonly tpot_ms: { readonly mean: Num };
  readonly e2e_ms: { readonly p50: Num; readonly p99: Num };
  readonly slo: { readonly ttft_ms: number; readonly tpot_ms: number };
  readonly slo_attainment: number;
  readonly slo_ttft_attainment: number;
  readonly slo_tpot_attainment: number;
  readonly goodput: number;
  readonly throughput_tok_s: number;
  readonly span_s: number;
  readonly tenants: Readonly<Record<string, TenantSummary>>;
  readonly weighted_service_ratio: Num;
  readonly jain: Num;
  readonly vtc_diff: { readonly max: number; readonly avg: number };
  readonly preemptions: { readonly engine: number; readonly gateway: number };
  readonly migrations: number;
  readonly recompute_token_share: number;
  readonly wall_s: number;
  readonly sim_speedup?: number;
  readonly send_lag_ms?: { readonly p50: Num; readonly p99: Num; readonly max: Num };
  readonly not_sent?: number;
}

export const DEFAULT_SLO: SloTarget = { ttftMs: 2000, tpotMs: 100 };

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};
const ms = (x: Num): Num => (x === null ? null : round(x, 3));
const ratio = (x: number): number => round(x, 6);

export function ttftOf(r: RequestRecord): number | null {
  const first = r.tokenTimesMs[0];
  return first === undefined ? null : first - r.arrivalMs;
}

/** vLLM's TPOT: (E2E - TTFT) / (n_out - 1); 0 when n_out <= 1. */
export function tpotOf(r: RequestRecord): number | null {
  const ttft = ttftOf(r);
  if (ttft === null) return null;
  if (r.outputTokens <= 1) return 0;
  return (r.finishMs - r.arrivalMs - ttft) / (r.outputTokens - 1);
}

export function summarize(
  records: readonly RequestRecord[],
  facts: RunFacts,
  options: SummarizeOptions = {},
): RunSummary {
  const slo = options.slo ?? DEFAULT_SLO;
  const ok = records.filter((r) => r.ok);
  const ttfts: number[] = [];
  const tpots: number[] = [];
  const e2es: number[] = [];
  let gapCount = 0;
  for (const r of ok) gapCount += Math.max(0, r.tokenTimesMs.length - 1);
  const gaps = new Float64Array(gapCount);
  let g = 0;
  let meetsBoth = 0;
  let meetsTtft = 0;
  let meetsTpot = 0;
  let outputTokens = 0;
  for (const r of ok) {
    const ttft = ttftOf(r);
    const tpot = tpotOf(r);
    e2es.push(r.finishMs - r.arrivalMs);
    outputTokens += r.outputTokens;
    if (ttft !== null) ttfts.push(ttft);
    if (tpot !== null) tpots.push(tpot);
    const t = r.tokenTimesMs;
    for (let i = 1; i < t.length; i++) gaps[g++] = t[i]! - t[i - 1]!;
    const ttftOk = ttft !== null && ttft <= slo.ttftMs;
    const tpotOk = tpot !== null && tpot <= slo.tpotMs;
    if (ttftOk) meetsTtft++;
    if (tpotOk) meetsTpot++;
    if (ttftOk && tpotOk) meetsBoth++;
  }
  const sTtft = sortedCopy(ttfts);
  const sGaps = gaps.sort();
  const sE2e = sortedCopy(e2es);

  let startMs = Infinity;
  let endMs = -Infinity;
  let gatewayPreemptions = 0;
  let migrations = 0;
  let recompute = 0;
  let processed = 0;
  for (const r of records) {
    startMs = Math.min(startMs, r.arrivalMs);
    endMs = Math.max(endMs, r.finishMs);
    gatewayPreemptions += r.preemptions;
    migrations += r.migrations;
    recompute += r.recomputeTokens;
    processed += r.promptTokens + deliveredTokens(r) + r.recomputeTokens;
  }
  const spanS = records.length === 0 ? 0 : Math.max(0, endMs - startMs) / 1000;
  const perS = (n: number): number => (spanS > 0 ? n / spanS : 0);

  const fair = fairness(records, options);
  const inputCost = options.inputCost ?? 1;
  const outputCost = options.outputCost ?? 2;
  const byTenant = new Map<string, RequestRecord[]>();
  for (const r of records) {
    const list = byTenant.get(r.tenant);
    if (list === undefined) byTenant.set(r.tenant, [r]);
    else list.push(r);
  }
  const tenants: Record<string, TenantSummary> = {};
  const normalized: number[] = [];
  for (const name of [...byTenant.keys()].sort()) {
    const list = byTenant.get(name)!;
    const done = list.filter((r) => r.ok);
    const service = done.reduce((s, r) => s + inputCost * r.promptTokens + outputCost * r.outputTokens, 0);
    const weight = list[0]!.weight;
    const t = sortedCopy(done.map(ttftOf).filter((x): x is number => x !== null));
    tenants[name] = {
      requests: list.length,
      completed: done.length,
      service_tokens: service,
      weight,
      ttft_ms: { p50: ms(nearestRank(t, 50)), p99: ms(nearestRank(t, 99)) },
    };
    normalized.push(service / weight);
  }
  const minNorm = Math.min(...normalized);
  const total = records.length;

  const summary: RunSummary = {
    requests: total,
    completed: ok.length,
    failed: total - ok.length,
    ttft_ms: { p50: ms(nearestRank(sTtft, 50)), p90: ms(nearestRank(sTtft, 90)), p99: ms(nearestRank(sTtft, 99)) },
    tbt_ms: { p99: ms(nearestRank(sGaps, 99)), p999: ms(nearestRank(sGaps, 99.9)) },
    tpot_ms: { mean: ms(mean(tpots)) },
    e2e_ms: { p50: ms(nearestRank(sE2e, 50)), p99: ms(nearestRank(sE2e, 99)) },
    slo: { ttft_ms: slo.ttftMs, tpot_ms: slo.tpotMs },
    slo_attainment: total === 0 ? 0 : ratio(meetsBoth / total),
    slo_ttft_attainment: total === 0 ? 0 : ratio(meetsTtft / total),
    slo_tpot_attainment: total === 0 ? 0 : ratio(meetsTpot / total),
    goodput: ratio(perS(meetsBoth)),
    throughput_tok_s: round(perS(outputTokens), 3),
    span_s: round(spanS, 3),
    tenants,
    weighted_service_ratio: normalized.length === 0 || !(minNorm > 0) ? null : ratio(Math.max(...normalized) / minNorm),
    jain: fair.jain === null ? null : ratio(fair.jain),
    vtc_diff: { max: round(fair.vtcDiff.max, 3), avg: round(fair.vtcDiff.avg, 3) },
    preemptions: { engine: facts.enginePreemptions ?? 0, gateway: gatewayPreemptions },
    migrations,
    recompute_token_share: processed > 0 ? ratio(recompute / processed) : 0,
    wall_s: round(facts.wallMs / 1000, 3),
    ...(facts.virtualSpanMs !== undefined && facts.wallMs > 0
      ? { sim_speedup: round(facts.virtualSpanMs / facts.wallMs, 1) }
      : {}),
    ...(facts.sendLagsMs !== undefined ? { send_lag_ms: lagSummary(facts.sendLagsMs) } : {}),
    ...(facts.notSent !== undefined ? { not_sent: facts.notSent } : {}),
  };
  return summary;
}

function lagSummary(lags: readonly number[]): { p50: Num; p99: Num; max: Num } {
  const s = sortedCopy(lags);
  return { p50: ms(nearestRank(s, 50)), p99: ms(nearestRank(s, 99)), max: ms(nearestRank(s, 100)) };
}
