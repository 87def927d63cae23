/**
 * Instance accounting and placement: the scheduler's own in-flight bookkeeping combined with the
 * last scraped snapshot into an `InstanceView`, Llumnix freeness, headroom, and the rr /
 * least-loaded / max-freeness pickers. Pure functions over plain state; no decisions are emitted here.
 */
import type { InstanceId, RequestId } from '../ids.js';
import type { RequestRecord } from './request-record.js';
import { contextTokens } from './request-record.js';
import type { SchedulerOptions } from './options.js';
import type { InstanceSnapshot, SchedEvent } from './types.js';

export interface InstanceState {
  readonly id: InstanceId;
  capacityTokens: number;
  up: boolean;
  draining: boolean;
  snapshot: InstanceSnapshot | null;
  /** Requests running or stopping here, in dispatch order. */
  readonly inFlight: Set<RequestId>;
  /** Migrations on their way here: request id -> reserved context tokens. */
  readonly incoming: Map<RequestId, number>;
  /** Own dispatches and releases since the last snapshot, to correct its lag. */
  readonly sinceSnapshot: { dispatched: number; released: number; releasedTokens: number };
}

export function createInstanceState(id: InstanceId, capacityTokens: number): InstanceState {
  return {
    id,
    capacityTokens,
    up: true,
    draining: false,
    snapshot: null,
    inFlight: new Set(),
    incoming: new Map(),
    sinceSnapshot: { dispatched: 0, released: 0, releasedTokens: 0 },
  };
}

/** Records a new snapshot and forgets the lag corrections it now includes. */
export function recordSnapshot(inst: InstanceState, snapshot: InstanceSnapshot): void {
  inst.snapshot = snapshot;
  inst.sinceSnapshot.dispatched = 0;
  inst.sinceSnapshot.released = 0;
  inst.sinceSnapshot.releasedTokens = 0;
}

/** An instance went down: no metrics, no reservations; its requests are the scheduler's to requeue. */
export function markDown(inst: InstanceState): void {
  inst.up = false;
  inst.snapshot = null;
  inst.incoming.clear();
  inst.sinceSnapshot.dispatched = 0;
  inst.sinceSnapshot.released = 0;
  inst.sinceSnapshot.releasedTokens = 0;
}

type InstanceEvent = Extract<SchedEvent, { type: 'instanceUp' | 'instanceSnapshot' | 'drain' }>;

/** Applies an instance event that needs no request bookkeeping (instanceDown does; the scheduler owns it). */
export function applyInstanceEvent(instances: Map<InstanceId, InstanceState>, event: InstanceEvent): void {
  switch (event.type) {
    case 'instanceUp': {
      const inst = instances.get(event.instance);
      if (inst === undefined)
        instances.set(event.instance, createInstanceState(event.instance, event.kvCapacityTokens));
      else {
        inst.up = true;
        inst.capacityTokens = event.kvCapacityTokens;
      }
      return;
    }
    case 'instanceSnapshot': {
      const inst = instances.get(event.snapshot.instance);
      if (inst !== undefined && inst.up) recordSnapshot(inst, event.snapshot);
      return;
    }
    case 'drain': {
      const inst = instances.get(event.instance);
      if (inst !== undefined) inst.draining = event.draining;
      return;
    }
  }
}

export interface InstanceView {
  readonly id: InstanceId;
  readonly capacityTokens: number;
  /** Accepts new work at all (up and not draining). */
  readonly accepting: boolean;
  /** Snapshot no older than `staleMetricsMs`. */
  readonly fresh: boolean;
  /** Requests this scheduler has in flight here (running or stopping). */
  readonly ownInFlight: number;
  /** max(own running, scraped running corrected by own dispatches and releases since the scrape). */
  readonly running: number;
  /** Scraped waiting count when fresh, else 0. */
  readonly waiting: number;
  /** KV tokens in use: max(own tokens of started requests, scraped KV tokens minus own releases since). */
  readonly kvTokens: number;
  /** Head-of-line demand: context of own requests not yet prefilled, plus incoming migrations. */
  readonly pendingTokens: number;
  /** Outgoing migrations / preemptions not yet stopped. */
  readonly stopping: number;
}

export function viewOf(
  inst: InstanceState,
  records: ReadonlyMap<RequestId, RequestRecord>,
  nowMs: number,
  opts: SchedulerOptions,
): InstanceView {
  let startedTokens = 0;
  let pendingTokens = 0;
  let stopping = 0;
  for (const id of inst.inFlight) {
    const rec = records.get(id);
    if (rec === undefined) continue;
    if (rec.started) startedTokens += contextTokens(rec);
    else pendingTokens += contextTokens(rec);
    if (rec.phase === 'stopping') stopping++;
  }
  for (const tokens of inst.incoming.values()) pendingTokens += tokens;
  const snap = inst.snapshot;
  const fresh = snap !== null && nowMs - snap.metricsAtMs <= opts.staleMetricsMs;
  const ownInFlight = inst.inFlight.size + inst.incoming.size;
  const lag = inst.sinceSnapshot;
  return {
    id: inst.id,
    capacityTokens: inst.capacityTokens,
    accepting: inst.up && !inst.draining,
    fresh,
    ownInFlight,
    running: fresh ? Math.max(ownInFlight, snap.running + lag.dispatched - lag.released) : ownInFlight,
    waiting: fresh ? snap.waiting : 0,
    kvTokens: fresh ? Math.max(startedTokens, snap.kvUsage * inst.capacityTokens - lag.releasedTokens) : startedTokens,
    pendingTokens,
    stopping,
  };
}

/** Llumnix freeness in tokens: decode steps the batch can still take before KV runs out. */
export function freeness(v: InstanceView): number {
  if (!v.accepting) return -Infinity;
  return (v.capacityTokens - v.kvTokens - v.pendingTokens) / Math.max(1, v.running);
}

/** Least-loaded load: KV usage plus waiting demand, as fractions of capacity. */
export function load(v: InstanceView): number {
  return (v.kvTokens + v.pendingTokens) / Math.max(1, v.capacityTokens);
}

/** The engine queue bounds a holding dispatch respects (the options' by default). */
export type QueueLimits = Pick<SchedulerOptions, 'maxWaitingPerInstance' | 'maxRunningPerInstance'>;

/** No engine queue bounds: for requests the engine itself orders first (forwarded vLLM priority). */
export const UNBOUNDED_QUEUES: QueueLimits = { maxWaitingPerInstance: Infinity, maxRunningPerInstance: Infinity };

/**
 * True when a holding policy may send `demandTokens` more here now. Stale metrics count as saturated
 * unless own accounting proves the instance idle (nothing of ours in flight): other clients' load is
 * then unknown, but one request cannot overfill it, and refusing would starve a cold instance.
 * An idle instance admits anything that fits its capacity, so a request above the high-water mark can
 * still run somewhere instead of blocking the queue forever.
 */
export function hasHeadroom(
  v: InstanceView,
  demandTokens: number,
  opts: SchedulerOptions,
  queueLimits: QueueLimits = opts,
): boolean {
  if (!v.accepting) return false;
  if (v.ownInFlight === 0 && (!v.fresh || (v.running === 0 && v.waiting === 0))) {
    return demandTokens <= v.capacityTokens;
  }
  if (!v.fresh) return false;
  if (v.waiting > queueLimits.maxWaitingPerInstance) return false;
  if (v.running + 1 > queueLimits.maxRunningPerInstance) return false;
  return v.kvTokens + v.pendingTokens + demandTokens <= opts.kvHighWater * v.capacityTokens;
}

/** Least-loaded: minimum load, ties by fewest running, then instance order. */
export function pickLeastLoaded(views: readonly InstanceView[]): InstanceView | undefined {
  let best: InstanceView | undefined;
  let bestLoad = Infinity;
  for (const v of views) {
    const l = load(v);
    if (best === undefined || l < bestLoad || (l === bestLoad && v.running < best.running)) {
      best = v;
      bestLoad = l;
    }
  }
  return best;
}

/**
 * Prefill pacing: true when `demandTokens` more of unprefilled context keeps the instance's own
 * not-yet-started work within `paceTokens` (an instance with none pending always takes one request).
 */
export function withinPace(v: InstanceView, demandTokens: number, paceTokens: number): boolean {
  return paceTokens <= 0 || v.pendingTokens === 0 || v.pendingTokens + demandTokens <= paceTokens;
}

/** Least unprefilled work queued ahead (own not-started context), ties by max freeness, then instance order. */
export function pickLeastPending(views: readonly InstanceView[]): InstanceView | undefined {
  let best: InstanceView | undefined;
  for (const v of views) {
    if (best === undefined || v.pendingTokens < best.pendingTokens) best = v;
    else if (v.pendingTokens === best.pendingTokens && freeness(v) > freeness(best)) best = v;
  }
  return best;
}

/** Max freeness, ties by instance order. */
export function pickMaxFreeness(views: readonly InstanceView[]): InstanceView | undefined {
  let best: InstanceView | undefined;
  let bestF = -Infinity;
  for (const v of views) {
    const f = freeness(v);
    if (best === undefined || f > bestF) {
      best = v;
      bestF = f;
    }
  }
  return best;
}

/**
 * Estimated tokens a resume re-prefills: on the instance it last ran on, vLLM's prefix cache still
 * holds every full block, so only the trailing partial block is recomputed; elsewhere, everything.
 */
export function recomputeEstimateTokens(rec: RequestRecord, target: InstanceId, blockSizeTokens: number): number {
  const ctx = contextTokens(rec);
  return rec.lastInstance === target ? ctx % blockSizeTokens : ctx;
}
