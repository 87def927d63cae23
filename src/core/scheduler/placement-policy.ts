/**
 * Per-policy dispatch helpers: where a request goes (rr, least-loaded, VTC holding, freeness), the
 * vLLM priority it carries and the recompute estimate of a resume. Pure functions; the scheduler applies their answers.
 */
import type { InstanceId, TenantId } from '../ids.js';
import type { SchedulerObservation } from './observer.js';
import type { SchedulerOptions } from './options.js';
import {
  hasHeadroom,
  type InstanceState,
  type InstanceView,
  pickLeastLoaded,
  pickLeastPending,
  pickMaxFreeness,
  type QueueLimits,
  recomputeEstimateTokens,
  UNBOUNDED_QUEUES,
  withinPace,
} from './placement.js';
import { contextTokens, type RequestRecord } from './request-record.js';

/**
 * Where a request stands among the priority classes active now (arrived within `priorityAgingMs`):
 * `urgent` = above the default class with no higher class active; `yielding` = a higher class is
 * active; `plain` = neither.
 */
export type PriorityStanding = 'urgent' | 'yielding' | 'plain';

/** An urgent request whose class vLLM sees (forwarded priority) is ordered by the engine: no queue bounds. */
export function queueLimitsFor(standing: PriorityStanding, opts: SchedulerOptions): QueueLimits {
  return standing === 'urgent' && opts.forwardVllmPriority ? UNBOUNDED_QUEUES : opts;
}

/**
 * The instance `rec` should start on now, or undefined to keep holding it. `rr` and `least-loaded`
 * never hold (vLLM queues internally); `vtc`, `llumnix` and `fairway` dispatch only into headroom.
 * `fairway` also places by priority standing: an urgent request goes where the least unprefilled work
 * is queued ahead of it (past vLLM's waiting queue when it forwards the priority, since vLLM then
 * orders its queue by it), and a yielding one only where it keeps the prefill pace.
 */
export function place(
  rec: RequestRecord,
  views: ReadonlyMap<InstanceId, InstanceView>,
  instances: ReadonlyMap<InstanceId, InstanceState>,
  opts: SchedulerOptions,
  rr: { cursor: number },
  standing: PriorityStanding = 'plain',
): InstanceId | undefined {
  let accepting = [...views.values()].filter((v) => v.accepting);
  if (accepting.length === 0) return undefined;
  const avoid = rec.avoidInstance;
  if (avoid !== null && accepting.some((v) => v.id !== avoid)) accepting = accepting.filter((v) => v.id !== avoid);
  switch (opts.policy) {
    case 'rr': {
      const list = [...instances.values()];
      for (let i = 0; i < list.length; i++) {
        const idx = (rr.cursor + i) % list.length;
        const inst = list[idx] as InstanceState;
        if (inst.up && !inst.draining && (inst.id !== avoid || accepting.every((v) => v.id === avoid))) {
          rr.cursor = (idx + 1) % list.length;
          return inst.id;
        }
      }
      return undefined;
    }
    case 'least-loaded':
      return pickLeastLoaded(accepting)?.id;
    case 'vtc':
      return pickLeastLoaded(accepting.filter((v) => hasHeadroom(v, contextTokens(rec), opts)))?.id;
    case 'llumnix':
      return pickMaxFreeness(accepting.filter((v) => hasHeadroom(v, contextTokens(rec), opts)))?.id;
    case 'fairway': {
      const demand = contextTokens(rec);
      const limits = queueLimitsFor(standing, opts);
      let open = accepting.filter((v) => hasHeadroom(v, demand, opts, limits));
      if (standing === 'yielding') open = open.filter((v) => withinPace(v, demand, opts.prefillPacingTokens));
      // A continuation goes back where its prefix is cached when that instance has room.
      if (rec.lastInstance !== null && open.some((v) => v.id === rec.lastInstance)) return rec.lastInstance;
      return (standing === 'urgent' ? pickLeastPending(open) : pickMaxFreeness(open))?.id;
    }
  }
}

/** rr and least-loaded act only at dispatch; every other policy charges, preempts or migrates as tokens flow. */
export function needsTokenProgress(policy: SchedulerOptions['policy']): boolean {
  return policy !== 'rr' && policy !== 'least-loaded';
}

export function recomputeFor(rec: RequestRecord, instance: InstanceId, blockSizeTokens: number): SchedulerObservation {
  return {
    type: 'recompute',
    id: rec.req.id,
    tenant: rec.req.tenant,
    instance,
    tokens: recomputeEstimateTokens(rec, instance, blockSizeTokens),
    sameInstance: rec.lastInstance === instance,
  };
}

/**
 * vLLM priority (lower runs earlier): each fairway class owns `vllmPriorityClassStride` steps, higher
 * classes lower; inside a class, VTC policies add the tenant's counter lead over the smallest counter of an active
 * (queued or in-flight) tenant, in `vllmPriorityQuantumTokens` steps. 0 unless `forwardVllmPriority`.
 */
export function vllmPriorityFor(
  tenant: TenantId,
  effectiveClass: number,
  opts: SchedulerOptions,
  counter: (t: TenantId) => number,
  active: () => Iterable<TenantId>,
): number {
  if (!opts.forwardVllmPriority) return 0;
  const stride = opts.vllmPriorityClassStride;
  let bucket = 0;
  if (opts.policy === 'vtc' || opts.policy === 'fairway') {
    let floor = counter(tenant);
    for (const t of active()) floor = Math.min(floor, counter(t));
    bucket = Math.min(stride - 1, Math.floor((counter(tenant) - floor) / opts.vllmPriorityQuantumTokens));
  }
  return -effectiveClass * stride + bucket;
}
