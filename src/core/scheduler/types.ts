/**
 * The scheduler contract: events in, decisions out (vLLM's schedule()/update_from_output() split).
 * Mechanism (gateway dispatcher, cluster simulator) feeds events and executes decisions; it never
 * decides. Everything here is plain data so decision logs can be compared byte for byte.
 */
import type { InstanceId, RequestId, TenantId } from '../ids.js';

/** Fairway priority class: an integer, larger is more urgent, 0 is the default. */
export type PriorityClass = number;

export interface SchedRequest {
  readonly id: RequestId;
  readonly tenant: TenantId;
  readonly priority: PriorityClass;
  readonly model: string;
  /** Prompt length in tokens (exact when known, else an estimate). */
  readonly promptTokens: number;
  /** Output budget in tokens (`max_tokens`, or the model's remaining context). */
  readonly maxTokens: number;
  /** False for requests that cannot be continued exactly (n > 1, best_of, tools, ...). */
  readonly preemptible: boolean;
  /** Optional session / prefix key for affinity placement. */
  readonly affinityKey?: string;
}

/** What the mechanism knows about an instance; `metrics` may be stale (see `metricsAtMs`). */
export interface InstanceSnapshot {
  readonly instance: InstanceId;
  readonly running: number;
  readonly waiting: number;
  /** KV-cache usage fraction in [0, 1]. */
  readonly kvUsage: number;
  /** Time the metrics were scraped, on the scheduler's clock. */
  readonly metricsAtMs: number;
}

export type SchedEvent =
  | { readonly type: 'arrive'; readonly request: SchedRequest }
  /** The mechanism started (or resumed) the request upstream. */
  | { readonly type: 'dispatched'; readonly id: RequestId; readonly instance: InstanceId }
  /**
   * The current run produced its first token (prefill done). On the first run the mechanism may add
   * the exact prompt length (from the backend's prompt token ids): it replaces the arrival estimate
   * for KV accounting and corrects the prompt charge.
   */
  | { readonly type: 'firstToken'; readonly id: RequestId; readonly promptTokens?: number }
  /** `n` more output tokens were generated (for the client; recomputed tokens are not reported here). */
  | { readonly type: 'tokens'; readonly id: RequestId; readonly n: number }
  | { readonly type: 'finished'; readonly id: RequestId }
  /** The client went away; the request must never dispatch again. */
  | { readonly type: 'cancelled'; readonly id: RequestId }
  /** The request failed upstream and will not be retried. */
  | { readonly type: 'failed'; readonly id: RequestId }
  /** A preempt or migrate decision has been carried out: the upstream stream is closed. */
  | { readonly type: 'stopped'; readonly id: RequestId; readonly generatedTokens: number }
  /**
   * The upstream stream of a running request failed (the instance may be dying): requeue it as a
   * continuation that avoids that instance while another one is open. Harmless when an `instanceDown`
   * already requeued it; acts as `stopped` for a request that was being stopped.
   */
  | { readonly type: 'interrupted'; readonly id: RequestId; readonly generatedTokens: number }
  | { readonly type: 'instanceUp'; readonly instance: InstanceId; readonly kvCapacityTokens: number }
  /** Every request in flight there is requeued as a continuation (no `stopped` events are expected). */
  | { readonly type: 'instanceDown'; readonly instance: InstanceId }
  | { readonly type: 'instanceSnapshot'; readonly snapshot: InstanceSnapshot }
  | { readonly type: 'drain'; readonly instance: InstanceId; readonly draining: boolean };

export type RejectCode = 'queue_full' | 'tenant_queue_full' | 'no_instance' | 'too_large';

export type PreemptReason = 'fairness' | 'priority' | 'load' | 'drain' | 'failure';

export type SchedDecision =
  | {
      readonly type: 'dispatch';
      readonly id: RequestId;
      readonly instance: InstanceId;
      /** vLLM `priority` to forward (lower is earlier), derived from the fairness order. */
      readonly vllmPriority: number;
      /** True when this resumes a preempted or migrated request as a continuation. */
      readonly resume: boolean;
      /**
       * The policy needs this run's progress token by token (output charged as generated, preemption,
       * migration). When false and the client does not stream either, the mechanism may ask the
       * backend for one final answer instead of a stream.
       */
      readonly streamTokens: boolean;
    }
  /**
   * Abort the request upstream and report `stopped` with the tokens generated so far. The request goes
   * back to the queue as a continuation and is dispatched again later with `resume: true`.
   */
  | { readonly type: 'preempt'; readonly id: RequestId; readonly reason: PreemptReason }
  /**
   * Abort on `from` and report `stopped`; the scheduler answers that event with `dispatch` to `to`
   * (`resume: true`), room on `to` having been reserved, or requeues it if `to` went away meanwhile.
   */
  | {
      readonly type: 'migrate';
      readonly id: RequestId;
      readonly from: InstanceId;
      readonly to: InstanceId;
      readonly reason: PreemptReason;
    }
  | { readonly type: 'reject'; readonly id: RequestId; readonly code: RejectCode; readonly retryAfterMs: number };

export interface Scheduler {
  apply(event: SchedEvent): SchedDecision[];
  /** Periodic work (aging, migration checks); call at least every `migrationIntervalMs`. */
  tick(nowMs: number): SchedDecision[];
  /** Queues, counters, in-flight requests and instance views as plain data (admin API, tests). */
  snapshot(): SchedulerSnapshot;
}

export type RequestPhaseName = 'queued' | 'running' | 'stopping';

export interface SchedulerSnapshot {
  readonly nowMs: number;
  readonly policy: string;
  readonly queued: ReadonlyArray<{
    readonly id: RequestId;
    readonly tenant: TenantId;
    readonly priority: PriorityClass;
    readonly effectiveClass: PriorityClass;
    readonly waitedMs: number;
    readonly continuation: boolean;
    readonly generatedTokens: number;
  }>;
  readonly inFlight: ReadonlyArray<{
    readonly id: RequestId;
    readonly tenant: TenantId;
    readonly instance: InstanceId;
    readonly phase: RequestPhaseName;
    readonly contextTokens: number;
    readonly generatedTokens: number;
    readonly preemptions: number;
  }>;
  readonly tenants: ReadonlyArray<{
    readonly tenant: TenantId;
    readonly weight: number;
    /** VTC counter in weighted tokens. */
    readonly counter: number;
    readonly queued: number;
    readonly inFlight: number;
  }>;
  readonly instances: ReadonlyArray<{
    readonly id: InstanceId;
    readonly up: boolean;
    readonly draining: boolean;
    readonly capacityTokens: number;
    readonly fresh: boolean;
    readonly inFlight: number;
    readonly running: number;
    readonly waiting: number;
    readonly kvTokens: number;
    readonly pendingTokens: number;
    /** Llumnix freeness in decode steps (null when not accepting work). */
    readonly freeness: number | null;
  }>;
}
