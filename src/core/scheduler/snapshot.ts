/**
 * Builds the plain-data `SchedulerSnapshot` (queues, counters, in-flight requests, instance views) for
 * the admin API and tests. Read-only: it never changes scheduler state.
 */
import type { InstanceId, RequestId, TenantId } from '../ids.js';
import type { SchedulerOptions } from './options.js';
import { freeness, type InstanceState, type InstanceView } from './placement.js';
import { contextTokens, type RequestRecord } from './request-record.js';
import type { SchedulerSnapshot } from './types.js';
import type { VtcCounters } from './vtc-counters.js';
import { effectiveClass, type WaitingQueue } from './waiting-queue.js';

export function buildSnapshot(
  nowMs: number,
  opts: SchedulerOptions,
  queue: WaitingQueue,
  records: ReadonlyMap<RequestId, RequestRecord>,
  instances: ReadonlyMap<InstanceId, InstanceState>,
  views: ReadonlyMap<InstanceId, InstanceView>,
  vtc: VtcCounters,
): SchedulerSnapshot {
  const queued = [...queue.all()].map((rec) => ({
    id: rec.req.id,
    tenant: rec.req.tenant,
    priority: rec.req.priority,
    effectiveClass: effectiveClass(rec, nowMs, opts.priorityAgingMs),
    waitedMs: nowMs - rec.queuedSinceMs,
    continuation: rec.continuation,
    generatedTokens: rec.generatedTokens,
  }));
  const inFlight: Array<SchedulerSnapshot['inFlight'][number]> = [];
  const inFlightByTenant = new Map<TenantId, number>();
  for (const rec of records.values()) {
    if (rec.phase === 'queued' || rec.instance === null) continue;
    inFlight.push({
      id: rec.req.id,
      tenant: rec.req.tenant,
      instance: rec.instance,
      phase: rec.phase,
      contextTokens: contextTokens(rec),
      generatedTokens: rec.generatedTokens,
      preemptions: rec.preemptions,
    });
    inFlightByTenant.set(rec.req.tenant, (inFlightByTenant.get(rec.req.tenant) ?? 0) + 1);
  }
  const tenantIds = new Set<TenantId>(vtc.entries().map(([t]) => t));
  for (const t of queue.backlogged()) tenantIds.add(t);
  for (const t of inFlightByTenant.keys()) tenantIds.add(t);
  const tenants = [...tenantIds].map((tenant) => ({
    tenant,
    weight: vtc.weight(tenant),
    counter: vtc.counter(tenant),
    queued: queue.tenantSize(tenant),
    inFlight: inFlightByTenant.get(tenant) ?? 0,
  }));
  const instanceRows = [...instances.values()].map((inst) => {
    const v = views.get(inst.id);
    const f = v === undefined ? -Infinity : freeness(v);
    return {
      id: inst.id,
      up: inst.up,
      draining: inst.draining,
      capacityTokens: inst.capacityTokens,
      fresh: v?.fresh ?? false,
      inFlight: inst.inFlight.size,
      running: v?.running ?? 0,
      waiting: v?.waiting ?? 0,
      kvTokens: v?.kvTokens ?? 0,
      pendingTokens: v?.pendingTokens ?? 0,
      freeness: Number.isFinite(f) ? f : null,
    };
  });
  return { nowMs, policy: opts.policy, queued, inFlight, tenants, instances: instanceRows };
}
