/**
 * Typed observations the scheduler emits (charges, preemptions, migrations, recompute, queue depth).
 * Only `observability/` turns them into metrics; the default observer does nothing and costs nothing.
 */
import type { InstanceId, RequestId, TenantId } from '../ids.js';
import type { PreemptReason, RejectCode } from './types.js';

export type RequestOutcome = 'finished' | 'cancelled' | 'failed' | 'rejected';

export type SchedulerObservation =
  /** A VTC charge: `amount` weighted tokens added to the tenant's counter, now `counter`. */
  | {
      readonly type: 'charge';
      readonly tenant: TenantId;
      readonly kind: 'prompt' | 'output';
      readonly tokens: number;
      readonly amount: number;
      readonly counter: number;
    }
  /** A counter lifted on activation (the tenant could not bank credit while idle). */
  | { readonly type: 'lift'; readonly tenant: TenantId; readonly from: number; readonly to: number }
  | {
      readonly type: 'dispatch';
      readonly id: RequestId;
      readonly tenant: TenantId;
      readonly instance: InstanceId;
      readonly resume: boolean;
      readonly waitedMs: number;
    }
  | {
      readonly type: 'preempt';
      readonly id: RequestId;
      readonly tenant: TenantId;
      readonly instance: InstanceId;
      readonly reason: PreemptReason;
    }
  | {
      readonly type: 'migrate';
      readonly id: RequestId;
      readonly tenant: TenantId;
      readonly from: InstanceId;
      readonly to: InstanceId;
      readonly reason: PreemptReason;
    }
  /** An in-flight request went back to the queue as a continuation. */
  | { readonly type: 'requeue'; readonly id: RequestId; readonly tenant: TenantId; readonly reason: PreemptReason }
  /** Estimated tokens a resumed request re-prefills: overhead, charged to no tenant. */
  | {
      readonly type: 'recompute';
      readonly id: RequestId;
      readonly tenant: TenantId;
      readonly instance: InstanceId;
      readonly tokens: number;
      readonly sameInstance: boolean;
    }
  | { readonly type: 'queueDepth'; readonly depth: number; readonly tenant: TenantId; readonly tenantDepth: number }
  | { readonly type: 'reject'; readonly id: RequestId; readonly tenant: TenantId; readonly code: RejectCode }
  | { readonly type: 'done'; readonly id: RequestId; readonly tenant: TenantId; readonly outcome: RequestOutcome };

export interface SchedulerObserver {
  observe(observation: SchedulerObservation): void;
}

export const NOOP_SCHEDULER_OBSERVER: SchedulerObserver = Object.freeze({ observe: () => undefined });
