/**
 * Admission: whether an arriving request may enter the gateway queue (an instance can take it at
 * all, it fits the largest one, the global and per-tenant bounds hold) and, if not, the reject code
 * with a Retry-After estimate. Expected outcomes are returned as values, never thrown.
 */
import type { SchedulerOptions } from './options.js';
import type { InstanceState } from './placement.js';
import type { RejectCode, SchedRequest } from './types.js';
import type { WaitingQueue } from './waiting-queue.js';

export interface Refusal {
  readonly code: RejectCode;
  readonly retryAfterMs: number;
}

export function admissionCheck(
  req: SchedRequest,
  instances: Iterable<InstanceState>,
  queue: WaitingQueue,
  opts: SchedulerOptions,
  dispatchTimesMs: readonly number[],
): Refusal | undefined {
  let maxCapacity = 0;
  for (const inst of instances) if (inst.up && !inst.draining) maxCapacity = Math.max(maxCapacity, inst.capacityTokens);
  if (maxCapacity === 0) return { code: 'no_instance', retryAfterMs: opts.retryAfterMinMs };
  if (req.promptTokens >= maxCapacity) return { code: 'too_large', retryAfterMs: 0 };
  if (queue.size >= opts.maxQueued) {
    return { code: 'queue_full', retryAfterMs: retryAfterMs(queue.size, dispatchTimesMs, opts) };
  }
  const tenantDepth = queue.tenantSize(req.tenant);
  if (tenantDepth >= opts.maxQueuedPerTenant) {
    // The tenant gets roughly one share of the dispatch rate among the backlogged tenants.
    const shares = Math.max(1, [...queue.backlogged()].length);
    return { code: 'tenant_queue_full', retryAfterMs: retryAfterMs(tenantDepth * shares, dispatchTimesMs, opts) };
  }
  return undefined;
}

/**
 * Retry-After for a reject: the time the recent dispatch rate needs to work off `depthAhead`
 * requests, clamped to [retryAfterMinMs, retryAfterMaxMs]; the minimum when there is no history.
 */
export function retryAfterMs(depthAhead: number, dispatchTimesMs: readonly number[], opts: SchedulerOptions): number {
  const first = dispatchTimesMs[0];
  const last = dispatchTimesMs[dispatchTimesMs.length - 1];
  if (first === undefined || last === undefined || last <= first) return opts.retryAfterMinMs;
  const perMs = (dispatchTimesMs.length - 1) / (last - first);
  const estimate = Math.ceil(depthAhead / perMs);
  return Math.min(opts.retryAfterMaxMs, Math.max(opts.retryAfterMinMs, estimate));
}
