/**
 * Scheduler options and their defaults (mirrored by the `scheduler` section of src/config/schema.ts).
 * Owns only the shape and the defaulting; it must not read config files or the environment.
 */
export type SchedulerPolicy = 'rr' | 'least-loaded' | 'vtc' | 'llumnix' | 'fairway';

export const SCHEDULER_POLICIES: readonly SchedulerPolicy[] = ['rr', 'least-loaded', 'vtc', 'llumnix', 'fairway'];

export interface SchedulerOptions {
  /** rr / least-loaded: no holding, FCFS; vtc: VTC order + holding; llumnix: FCFS + freeness + migration; fairway: all. */
  readonly policy: SchedulerPolicy;
  /** VTC weight per tenant id; unknown tenants get weight 1. */
  readonly tenantWeights: Readonly<Record<string, number>>;
  /** VTC price of one prompt token (charged once, at the first dispatch). */
  readonly wIn: number;
  /** VTC price of one generated token (charged as `tokens` events arrive). */
  readonly wOut: number;
  /** Requests held in the gateway queue across all tenants; beyond it `reject queue_full`. */
  readonly maxQueued: number;
  /** Requests held per tenant; beyond it `reject tenant_queue_full`. */
  readonly maxQueuedPerTenant: number;
  /** Holding policies dispatch only while the target's waiting count is at most this. */
  readonly maxWaitingPerInstance: number;
  /** Holding policies never run more than this many requests per instance (vLLM max_num_seqs). */
  readonly maxRunningPerInstance: number;
  /**
   * Holding policies keep projected KV use at or under this fraction of capacity. Default 1: vLLM's own
   * admission guards KV; a lower mark idles a whole request's worth of KV on memory-tight instances.
   */
  readonly kvHighWater: number;
  /** Metrics older than this count an instance as saturated (unless own accounting proves it idle). */
  readonly staleMetricsMs: number;
  /** fairway: preempt for fairness only when the victim tenant's counter leads by more than this. */
  readonly preemptGapTokens: number;
  /** A request runs at least this long after a dispatch before it may be preempted or load-migrated. */
  readonly minRunQuantumMs: number;
  /** Fairness/priority preemptions plus load migrations per request (drain and failure are not capped). */
  readonly maxPreemptionsPerRequest: number;
  /** llumnix / fairway: how often `tick` looks for migrations. */
  readonly migrationIntervalMs: number;
  /** Freeness (decode steps left per running request) below which an instance is a migration source. */
  readonly freenessLowSteps: number;
  /** Freeness above which an instance is a migration destination. */
  readonly freenessHighSteps: number;
  /**
   * Waiting this long raises a queued request's effective priority class by one (up to the highest class
   * queued). Default 60 s: it bounds starvation; at 2 s, overload waits aged every request into the top
   * class and class-1 P99 TTFT equalled class 0's (cluster simulator, llama2-7b-a10, load 0.9).
   */
  readonly priorityAgingMs: number;
  /**
   * Llumnix-style headroom for priorities: while a higher class has arrived within the last
   * `priorityAgingMs`, holding policies dispatch lower classes only up to `kvHighWater - priorityHeadroom`.
   * Default 0 (off): 0.1 cut class-1 P99 TTFT on a 6000-request slice but, over the whole Azure hour at
   * load 0.9 on llama2-7b-a10, the lost capacity aged class 0 into class 1 and both P99s passed 100 s.
   */
  readonly priorityHeadroom: number;
  /**
   * fairway: while a higher class is active, a lower-class request goes only to an instance whose own
   * not-yet-prefilled context stays within this many tokens with it (one request always fits an instance
   * with none pending). Smaller engine steps for the higher class's prefill, bought with lower-class
   * throughput during overload. 0 = off (default): measured trade-off in bench/results/scheduler-compare.json.
   */
  readonly prefillPacingTokens: number;
  /** KV block size: a same-instance resume recomputes only the last partial block. */
  readonly blockSizeTokens: number;
  /** Forward a non-zero vLLM `priority` (needs `--scheduling-policy priority`, else vLLM rejects it). */
  readonly forwardVllmPriority: boolean;
  /** Counter lead (weighted tokens) per vLLM priority step within a class. */
  readonly vllmPriorityQuantumTokens: number;
  /** vLLM priority steps reserved per fairway class. */
  readonly vllmPriorityClassStride: number;
  /** Bounds of the `retryAfterMs` estimate on rejects. */
  readonly retryAfterMinMs: number;
  readonly retryAfterMaxMs: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = Object.freeze({
  policy: 'least-loaded',
  tenantWeights: Object.freeze({}),
  wIn: 1,
  wOut: 2,
  maxQueued: 1024,
  maxQueuedPerTenant: 256,
  maxWaitingPerInstance: 1,
  maxRunningPerInstance: 256,
  kvHighWater: 1,
  staleMetricsMs: 200,
  preemptGapTokens: 4096,
  minRunQuantumMs: 500,
  maxPreemptionsPerRequest: 3,
  migrationIntervalMs: 50,
  freenessLowSteps: 48,
  freenessHighSteps: 192,
  priorityAgingMs: 60_000,
  priorityHeadroom: 0,
  prefillPacingTokens: 0,
  blockSizeTokens: 16,
  forwardVllmPriority: false,
  vllmPriorityQuantumTokens: 1024,
  vllmPriorityClassStride: 16,
  retryAfterMinMs: 1000,
  retryAfterMaxMs: 60_000,
} satisfies SchedulerOptions);

/** Fills defaults and checks ranges; throws RangeError on nonsense (config validation catches it earlier). */
export function resolveSchedulerOptions(partial: Partial<SchedulerOptions> = {}): SchedulerOptions {
  const o: SchedulerOptions = { ...DEFAULT_SCHEDULER_OPTIONS, ...partial };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`scheduler option ${what}`);
  };
  check(SCHEDULER_POLICIES.includes(o.policy), `policy must be one of ${SCHEDULER_POLICIES.join(', ')}`);
  for (const [tenant, weight] of Object.entries(o.tenantWeights)) {
    check(weight > 0 && Number.isFinite(weight), `tenantWeights.${tenant} must be > 0`);
  }
  check(o.wIn >= 0 && o.wOut >= 0, 'wIn and wOut must be >= 0');
  check(o.maxQueued >= 1 && o.maxQueuedPerTenant >= 1, 'queue bounds must be >= 1');
  check(o.maxWaitingPerInstance >= 0 && o.maxRunningPerInstance >= 1, 'instance bounds out of range');
  check(o.kvHighWater > 0 && o.kvHighWater <= 1, 'kvHighWater must be in (0, 1]');
  check(o.staleMetricsMs >= 1 && o.migrationIntervalMs >= 1 && o.priorityAgingMs >= 1, 'intervals must be >= 1');
  check(o.priorityHeadroom >= 0 && o.priorityHeadroom < o.kvHighWater, 'priorityHeadroom must be in [0, kvHighWater)');
  check(o.freenessHighSteps >= o.freenessLowSteps, 'freenessHighSteps must be >= freenessLowSteps');
  check(o.prefillPacingTokens >= 0, 'prefillPacingTokens must be >= 0');
  check(o.blockSizeTokens >= 1 && o.vllmPriorityQuantumTokens > 0 && o.vllmPriorityClassStride >= 1, 'sizes >= 1');
  check(o.retryAfterMinMs >= 0 && o.retryAfterMaxMs >= o.retryAfterMinMs, 'retryAfter bounds out of order');
  return Object.freeze(o);
}
