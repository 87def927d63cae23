/**
 * The simulator's report: the shared `summarize()` contract plus simulator-only fields (per priority
 * class TTFT, service while every tenant is backlogged, token totals). Plain, deterministic objects.
 */
import { nearestRank, sortedCopy } from '../../replay/percentile.js';
import type { RequestRecord } from '../../replay/record.js';
import { summarize, ttftOf, type RunSummary, type SummarizeOptions } from '../../replay/summarize.js';
import type { ClusterSimResult } from './simulator.js';

type Num = number | null;

export interface WindowService {
  readonly from_s: number;
  readonly to_s: number;
  /** Service per tenant inside the window: prompt at its first token, 2 x each delivered token. */
  readonly tenants: Readonly<Record<string, { readonly service_tokens: number; readonly weight: number }>>;
  /** max / min of service / weight over tenants with demand; null if one got nothing. */
  readonly weighted_ratio: Num;
}

export interface SimSummary extends RunSummary {
  readonly classes: Readonly<
    Record<string, { readonly requests: number; readonly ttft_ms: { readonly p50: Num; readonly p99: Num } }>
  >;
  readonly window_service: WindowService;
  readonly recompute_tokens: number;
  readonly prefill_tokens: number;
  readonly prefix_hit_tokens: number;
  readonly clamped: number;
}

/** algorithms.md 6.4: exclude a 60 s warm-up (at most half the arrival span of a short run). */
const WARMUP_MS = 60_000;

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const ms = (x: Num): Num => (x === null ? null : r3(x));

/**
 * Service per tenant in [fromMs, toMs): VTC cost (prompt once, at the request's first token; 2 per
 * output token at its delivery). The default window, [min(60 s, half the last arrival), last arrival),
 * skips the warm-up (batches filling up: service lags the VTC charge taken at dispatch; on 4 x A100 the
 * first in-flight wave takes ~30 s to drain) and the post-arrival drain; in an overloaded run every tenant stays backlogged inside it, so the ratio shows the share split.
 */
export function windowService(records: readonly RequestRecord[], fromMs?: number, toMs?: number): WindowService {
  let lastArrival = 0;
  for (const r of records) lastArrival = Math.max(lastArrival, r.arrivalMs);
  const from = fromMs ?? Math.min(WARMUP_MS, 0.5 * lastArrival);
  const to = toMs ?? lastArrival;
  const service = new Map<string, { service: number; weight: number }>();
  for (const r of records) {
    let s = service.get(r.tenant);
    if (s === undefined) {
      s = { service: 0, weight: r.weight };
      service.set(r.tenant, s);
    }
    const t = r.tokenTimesMs;
    const first = t[0];
    if (first !== undefined && first >= from && first < to) s.service += r.promptTokens;
    for (let i = 0; i < t.length; i++) {
      const x = t[i] as number;
      if (x >= from && x < to) s.service += 2;
    }
  }
  const tenants: Record<string, { service_tokens: number; weight: number }> = {};
  const norm: number[] = [];
  for (const name of [...service.keys()].sort()) {
    const s = service.get(name)!;
    tenants[name] = { service_tokens: s.service, weight: s.weight };
    norm.push(s.service / s.weight);
  }
  const min = Math.min(...norm);
  return {
    from_s: r3(from / 1000),
    to_s: r3(to / 1000),
    tenants,
    weighted_ratio: norm.length === 0 || !(min > 0) ? null : Math.round((Math.max(...norm) / min) * 1e6) / 1e6,
  };
}

export function summarizeSimulation(result: ClusterSimResult, options: SummarizeOptions = {}): SimSummary {
  const base = summarize(result.records, result.facts, options);
  const byClass = new Map<number, number[]>();
  const counts = new Map<number, number>();
  for (const r of result.records) {
    counts.set(r.priority, (counts.get(r.priority) ?? 0) + 1);
    const ttft = r.ok ? ttftOf(r) : null;
    if (ttft === null) continue;
    const list = byClass.get(r.priority);
    if (list === undefined) byClass.set(r.priority, [ttft]);
    else list.push(ttft);
  }
  const classes: Record<string, { requests: number; ttft_ms: { p50: Num; p99: Num } }> = {};
  for (const cls of [...counts.keys()].sort((a, b) => a - b)) {
    const s = sortedCopy(byClass.get(cls) ?? []);
    classes[String(cls)] = {
      requests: counts.get(cls) ?? 0,
      ttft_ms: { p50: ms(nearestRank(s, 50)), p99: ms(nearestRank(s, 99)) },
    };
  }
  let recompute = 0;
  for (const r of result.records) recompute += r.recomputeTokens;
  return {
    ...base,
    classes,
    window_service: windowService(result.records),
    recompute_tokens: recompute,
    prefill_tokens: result.prefillTokens,
    prefix_hit_tokens: result.prefixHitTokens,
    clamped: result.clamped,
  };
}
