/**
 * Inputs and outputs of the cluster simulator: the trace requests it replays, its options and its
 * result. Plain data only.
 */
import type { TraceRequest } from '../../replay/trace-loader.js';
import type { SchedulerObserver, SchedulerOptions, SchedulerPolicy } from '../../core/scheduler/index.js';
import type { RequestRecord, RunFacts } from '../../replay/record.js';

/** What the simulator needs of a trace request: a loaded `TraceRequest` without its file position. */
export type SimTraceRequest = Omit<TraceRequest, 'line' | 'model'>;

export interface ClusterSimOptions {
  /** In arrival order, `index` = position. Ignored arrivals times in closed-loop mode. */
  readonly requests: readonly SimTraceRequest[];
  readonly instances: number;
  /** Engine preset name (src/core/engine/presets.ts). */
  readonly preset: string;
  readonly policy: SchedulerPolicy;
  /** Seeds prompts and the scheduler's Rng. Default 1. */
  readonly seed?: number;
  /** Overrides of the scheduler options (policy and tenant weights are set from the run). */
  readonly scheduler?: Partial<SchedulerOptions>;
  /** Engine KV capacity override, in tokens. */
  readonly kvTokens?: number;
  /** Engine per-step token budget override (vLLM `--max-num-batched-tokens`; default 8192). */
  readonly maxBatchedTokens?: number;
  /** Gateway <-> instance round trip. Default 0.5 ms (algorithms.md 6.1). */
  readonly networkRttMs?: number;
  /** Metrics scrape interval. Default 50 ms. */
  readonly scrapeIntervalMs?: number;
  /**
   * Closed loop instead of the trace's arrival times: `concurrency` clients, each sends its next
   * request when the previous finishes, `total` requests in all, lengths taken evenly across `requests`.
   */
  readonly closedLoop?: { readonly concurrency: number; readonly total: number };
  /** Sees every scheduler observation (decision logs, counters) in order. */
  readonly observer?: SchedulerObserver;
  /** Wall clock for `wall_s` / `sim_speedup` (inject a fake one for byte-identical output). */
  readonly wallNowMs?: () => number;
}

export interface ClusterSimResult {
  readonly records: RequestRecord[];
  readonly facts: RunFacts;
  /** Requests whose trace lengths were cut to the context limit. */
  readonly clamped: number;
  /** Tokens prefilled (prompt + recompute, prefix hits excluded) over all engines. */
  readonly prefillTokens: number;
  readonly prefixHitTokens: number;
}
