/**
 * Preemption choice for `fairway`: when the queue head cannot be placed, pick the running request
 * whose eviction lets the head in with the best gain per recompute token. Guards against thrashing:
 * minimum run quantum, per-request cap, a counter gap (`preemptGapTokens`, the hysteresis band) and
 * at most one stop outstanding at a time. Returns a choice; the scheduler emits the decision.
 */
import type { InstanceId, TenantId } from '../ids.js';
import type { SchedulerOptions } from './options.js';
import { hasHeadroom, type InstanceView, type QueueLimits } from './placement.js';
import { contextTokens, type RequestRecord } from './request-record.js';

export interface PreemptionChoice {
  readonly victim: RequestRecord;
  readonly reason: 'priority' | 'fairness';
  /** Class gap (priority) or counter gap in weighted tokens (fairness). */
  readonly gain: number;
  /** Estimated tokens the victim will re-prefill when it resumes. */
  readonly costTokens: number;
}

/** The view of `v` once `victim` has left it. */
function without(v: InstanceView, victim: RequestRecord): InstanceView {
  const ctx = contextTokens(victim);
  return {
    ...v,
    ownInFlight: v.ownInFlight - 1,
    running: Math.max(0, v.running - 1),
    kvTokens: victim.started ? Math.max(0, v.kvTokens - ctx) : v.kvTokens,
    pendingTokens: victim.started ? v.pendingTokens : Math.max(0, v.pendingTokens - ctx),
  };
}

/** True when `a` is a better victim than `b`: priority before fairness, then gain/cost, then latest arrival. */
function better(a: PreemptionChoice, b: PreemptionChoice): boolean {
  if (a.reason !== b.reason) return a.reason === 'priority';
  const sa = a.gain / (1 + a.costTokens);
  const sb = b.gain / (1 + b.costTokens);
  if (sa !== sb) return sa > sb;
  if (a.victim.seq !== b.victim.seq) return a.victim.seq > b.victim.seq;
  return a.victim.req.id > b.victim.req.id;
}

export function choosePreemptionVictim(
  head: RequestRecord,
  views: ReadonlyMap<InstanceId, InstanceView>,
  running: Iterable<RequestRecord>,
  counter: (tenant: TenantId) => number,
  opts: SchedulerOptions,
  nowMs: number,
  limits: QueueLimits = opts,
): PreemptionChoice | undefined {
  for (const v of views.values()) if (v.stopping > 0 || v.pendingTokens > 0) return undefined;
  const demand = contextTokens(head);
  const headCounter = counter(head.req.tenant);
  let best: PreemptionChoice | undefined;
  for (const rec of running) {
    if (rec.phase !== 'running' || !rec.req.preemptible || rec.instance === null) continue;
    if (nowMs - rec.dispatchedAtMs < opts.minRunQuantumMs) continue;
    if (rec.preemptions >= opts.maxPreemptionsPerRequest) continue;
    const v = views.get(rec.instance);
    if (v === undefined || !v.accepting) continue;
    let reason: PreemptionChoice['reason'];
    let gain: number;
    const gap = counter(rec.req.tenant) - headCounter;
    // Base classes, not aged ones: aging reorders the queue but must not turn every long wait under
    // overload into a preemption.
    if (rec.req.priority < head.req.priority) {
      reason = 'priority';
      gain = head.req.priority - rec.req.priority;
    } else if (
      rec.req.priority === head.req.priority &&
      rec.req.tenant !== head.req.tenant &&
      gap > opts.preemptGapTokens
    ) {
      reason = 'fairness';
      gain = gap;
    } else continue;
    const freed = without(v, rec);
    if (!hasHeadroom(freed, demand, opts, limits)) continue;
    // If the victim's blocks can stay cached beside the head, its resume re-prefills one partial block.
    const ctx = contextTokens(rec);
    const spare = v.capacityTokens - freed.kvTokens - freed.pendingTokens - demand;
    const costTokens = spare >= ctx ? ctx % opts.blockSizeTokens : ctx;
    const choice: PreemptionChoice = { victim: rec, reason, gain, costTokens };
    if (best === undefined || better(choice, best)) best = choice;
  }
  return best;
}
