/**
 * The scheduler core. Fairness: weighted VTC per tenant (prompt charged once at the first dispatch,
 * output per streamed token, counters lifted on activation, recompute charged to nobody) inside
 * priority classes that age. Budgets: holding policies dispatch only into headroom (waiting <=
 * maxWaitingPerInstance, KV under the high-water mark, fresh metrics); preemption and migration only
 * ever emit decisions. Pure and deterministic: Maps iterate in insertion order, every tie is explicit.
 */
import type { Clock } from '../clock.js';
import type { InstanceId, RequestId, TenantId } from '../ids.js';
import { invariant } from '../invariant.js';
import type { Rng } from '../rng.js';
import { planMigrations } from './migration.js';
import { NOOP_SCHEDULER_OBSERVER, type RequestOutcome, type SchedulerObserver } from './observer.js';
import { resolveSchedulerOptions, type SchedulerOptions } from './options.js';
import {
  applyInstanceEvent,
  type InstanceState,
  type InstanceView,
  markDown,
  type QueueLimits,
  viewOf,
} from './placement.js';
import { admissionCheck } from './admission.js';
import {
  needsTokenProgress,
  place,
  type PriorityStanding,
  queueLimitsFor,
  recomputeFor,
  vllmPriorityFor,
} from './placement-policy.js';
import { choosePreemptionVictim } from './preemption.js';
import {
  contextTokens,
  createRecord,
  markQueued,
  markRunning,
  markStopping,
  type RequestRecord,
  type StopAction,
} from './request-record.js';
import { buildSnapshot } from './snapshot.js';
import type { PreemptReason, RejectCode, SchedDecision, SchedEvent, Scheduler, SchedulerSnapshot } from './types.js';
import { liftOnActivation, VtcCounters } from './vtc-counters.js';
import { effectiveClass, WaitingQueue } from './waiting-queue.js';

export interface SchedulerDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly observer?: SchedulerObserver;
}

const DISPATCH_HISTORY = 32;

class CoreScheduler implements Scheduler {
  readonly #opts: SchedulerOptions;
  readonly #clock: Clock;
  readonly #obs: SchedulerObserver;
  readonly #records = new Map<RequestId, RequestRecord>();
  readonly #queue = new WaitingQueue();
  readonly #instances = new Map<InstanceId, InstanceState>();
  readonly #vtc: VtcCounters;
  readonly #dispatchTimesMs: number[] = [];
  /** Requests running or stopping per tenant (a tenant is active while it has queued or in-flight work). */
  readonly #inFlightByTenant = new Map<TenantId, number>();
  readonly #rr = { cursor: 0 };
  #seq = 0;
  #lastMigrationMs = -Infinity;
  /** Last arrival time per priority class (priority standing and headroom). */
  readonly #classSeenMs = new Map<number, number>();
  /** The options with the KV high-water mark lowered by the priority headroom. */
  readonly #reservedOpts: SchedulerOptions;

  constructor(opts: SchedulerOptions, deps: SchedulerDeps) {
    this.#opts = opts;
    this.#clock = deps.clock;
    // The Rng is accepted for future randomized tie-breaks; every current tie-break is explicit.
    void deps.rng;
    this.#obs = deps.observer ?? NOOP_SCHEDULER_OBSERVER;
    this.#vtc = new VtcCounters(opts.tenantWeights, opts.wIn, opts.wOut);
    this.#reservedOpts = { ...opts, kvHighWater: opts.kvHighWater - opts.priorityHeadroom };
  }

  apply(event: SchedEvent): SchedDecision[] {
    const out: SchedDecision[] = [];
    const nowMs = this.#clock.nowMs();
    switch (event.type) {
      case 'arrive':
        this.#arrive(event.request, nowMs, out);
        break;
      case 'dispatched':
        break;
      case 'firstToken': {
        const rec = this.#records.get(event.id);
        if (rec !== undefined && rec.phase !== 'queued') rec.started = true;
        if (rec !== undefined && event.promptTokens !== undefined) this.#correctPrompt(rec, event.promptTokens);
        break;
      }
      case 'tokens': {
        const rec = this.#records.get(event.id);
        if (rec !== undefined && event.n > 0) this.#chargeOutput(rec, event.n);
        break;
      }
      case 'finished':
      case 'failed':
      case 'cancelled': {
        const rec = this.#records.get(event.id);
        if (rec !== undefined) this.#finish(rec, event.type);
        break;
      }
      case 'stopped':
        this.#stopped(event.id, event.generatedTokens, nowMs, out);
        break;
      case 'interrupted':
        this.#interrupted(event.id, event.generatedTokens, nowMs, out);
        break;
      case 'instanceUp':
      case 'instanceSnapshot':
      case 'drain':
        applyInstanceEvent(this.#instances, event);
        break;
      case 'instanceDown':
        this.#instanceDown(event.instance, nowMs);
        break;
    }
    // Token progress only shrinks headroom and reorders counters; the next capacity-changing event or
    // tick dispatches. Skipping here keeps the hot streaming path O(1).
    if (event.type !== 'tokens' && event.type !== 'firstToken' && event.type !== 'dispatched') {
      this.#schedule(nowMs, out);
    }
    return out;
  }

  tick(nowMs: number): SchedDecision[] {
    const out: SchedDecision[] = [];
    const policy = this.#opts.policy;
    if (
      (policy === 'llumnix' || policy === 'fairway') &&
      nowMs - this.#lastMigrationMs >= this.#opts.migrationIntervalMs
    ) {
      this.#lastMigrationMs = nowMs;
      const plans = planMigrations(this.#instances, this.#views(nowMs), this.#records, this.#opts, nowMs);
      for (const plan of plans) {
        const from = plan.rec.instance;
        invariant(from !== null, `migrating ${plan.rec.req.id} without an instance`);
        markStopping(plan.rec, { kind: 'migrate', reason: plan.reason, to: plan.to });
        if (plan.reason === 'load') plan.rec.preemptions++;
        this.#instances.get(plan.to)?.incoming.set(plan.rec.req.id, contextTokens(plan.rec));
        const { id, tenant } = plan.rec.req;
        out.push({ type: 'migrate', id, from, to: plan.to, reason: plan.reason });
        this.#obs.observe({ type: 'migrate', id, tenant, from, to: plan.to, reason: plan.reason });
      }
    }
    this.#schedule(this.#clock.nowMs(), out);
    return out;
  }

  snapshot(): SchedulerSnapshot {
    const nowMs = this.#clock.nowMs();
    return buildSnapshot(nowMs, this.#opts, this.#queue, this.#records, this.#instances, this.#views(nowMs), this.#vtc);
  }

  #arrive(req: RequestRecord['req'], nowMs: number, out: SchedDecision[]): void {
    if (this.#records.has(req.id)) return; // a duplicate arrival is ignored, never double-counted
    const reject = (code: RejectCode, retry: number): void => {
      out.push({ type: 'reject', id: req.id, code, retryAfterMs: retry });
      this.#obs.observe({ type: 'reject', id: req.id, tenant: req.tenant, code });
      this.#obs.observe({ type: 'done', id: req.id, tenant: req.tenant, outcome: 'rejected' });
    };
    const refusal = admissionCheck(req, this.#instances.values(), this.#queue, this.#opts, this.#dispatchTimesMs);
    if (refusal !== undefined) return reject(refusal.code, refusal.retryAfterMs);
    this.#classSeenMs.set(req.priority, nowMs);
    const rec = createRecord(req, this.#seq++, nowMs);
    this.#records.set(req.id, rec);
    this.#enqueue(rec);
  }

  /** Queues a record; a tenant whose queue was empty is lifted to the smallest backlogged counter. */
  #enqueue(rec: RequestRecord): void {
    const tenant = rec.req.tenant;
    const lifted = liftOnActivation(this.#vtc, this.#queue, tenant, this.#activeTenants());
    if (lifted !== undefined) this.#obs.observe({ type: 'lift', tenant, ...lifted });
    this.#queue.push(rec);
    this.#observeDepth(tenant);
  }

  #observeDepth(tenant: TenantId): void {
    const tenantDepth = this.#queue.tenantSize(tenant);
    this.#obs.observe({ type: 'queueDepth', depth: this.#queue.size, tenant, tenantDepth });
  }

  #chargeOutput(rec: RequestRecord, n: number): void {
    rec.generatedTokens += n;
    this.#observeCharge(rec.req.tenant, 'output', n, this.#vtc.chargeOutput(rec.req.tenant, n));
  }

  #finish(rec: RequestRecord, outcome: RequestOutcome): void {
    if (rec.phase === 'queued') {
      invariant(this.#queue.remove(rec), `${rec.req.id} queued but not in the queue`);
      this.#observeDepth(rec.req.tenant);
    } else this.#leave(rec);
    this.#records.delete(rec.req.id);
    this.#obs.observe({ type: 'done', id: rec.req.id, tenant: rec.req.tenant, outcome });
  }

  /** Drops a running or stopping record from its instance and any migration reservation. */
  #leave(rec: RequestRecord): void {
    invariant(rec.phase !== 'queued', `${rec.req.id} leaves an instance while queued`);
    const tenant = rec.req.tenant;
    const count = this.#inFlightByTenant.get(tenant) ?? 0;
    invariant(count > 0, `in-flight count of ${tenant} would go negative`);
    if (count === 1) this.#inFlightByTenant.delete(tenant);
    else this.#inFlightByTenant.set(tenant, count - 1);
    const inst = rec.instance === null ? undefined : this.#instances.get(rec.instance);
    if (inst !== undefined && inst.inFlight.delete(rec.req.id)) {
      inst.sinceSnapshot.released++;
      if (rec.started) inst.sinceSnapshot.releasedTokens += contextTokens(rec);
    }
    if (rec.stop?.kind === 'migrate') this.#instances.get(rec.stop.to)?.incoming.delete(rec.req.id);
  }

  #requeue(rec: RequestRecord, reason: PreemptReason, nowMs: number): void {
    this.#leave(rec);
    markQueued(rec, nowMs);
    this.#enqueue(rec);
    this.#obs.observe({ type: 'requeue', id: rec.req.id, tenant: rec.req.tenant, reason });
  }

  #stopped(id: RequestId, generatedTokens: number, nowMs: number, out: SchedDecision[]): void {
    const rec = this.#records.get(id);
    if (rec === undefined || rec.phase !== 'stopping' || rec.stop === null) return;
    if (generatedTokens > rec.generatedTokens) this.#chargeOutput(rec, generatedTokens - rec.generatedTokens);
    const stop: StopAction = rec.stop;
    const target = stop.kind === 'migrate' ? this.#instances.get(stop.to) : undefined;
    if (stop.kind === 'migrate' && target !== undefined && target.up && !target.draining) {
      this.#leave(rec);
      markQueued(rec, nowMs);
      this.#dispatch(rec, target.id, nowMs, out);
      return;
    }
    this.#requeue(rec, stop.reason, nowMs);
  }

  #interrupted(id: RequestId, generatedTokens: number, nowMs: number, out: SchedDecision[]): void {
    const rec = this.#records.get(id);
    if (rec === undefined) return;
    if (rec.phase === 'stopping') {
      this.#stopped(id, generatedTokens, nowMs, out);
      return;
    }
    if (rec.phase !== 'running') return; // already requeued by instanceDown
    if (generatedTokens > rec.generatedTokens) this.#chargeOutput(rec, generatedTokens - rec.generatedTokens);
    rec.avoidInstance = rec.instance;
    this.#requeue(rec, 'failure', nowMs);
  }

  #instanceDown(id: InstanceId, nowMs: number): void {
    const inst = this.#instances.get(id);
    if (inst === undefined) return;
    markDown(inst);
    for (const reqId of [...inst.inFlight]) {
      const rec = this.#records.get(reqId);
      invariant(rec !== undefined && rec.instance === id, `${reqId} in flight on ${id} without a record`);
      this.#requeue(rec, 'failure', nowMs);
    }
    invariant(inst.inFlight.size === 0, `${id} still has requests after going down`);
  }

  /** Tenants with queued or in-flight requests, queued ones first (both in first-seen order). */
  *#activeTenants(): IterableIterator<TenantId> {
    yield* this.#queue.backlogged();
    yield* this.#inFlightByTenant.keys();
  }

  #views(nowMs: number): Map<InstanceId, InstanceView> {
    const views = new Map<InstanceId, InstanceView>();
    for (const inst of this.#instances.values()) views.set(inst.id, viewOf(inst, this.#records, nowMs, this.#opts));
    return views;
  }

  #schedule(nowMs: number, out: SchedDecision[]): void {
    const policy = this.#opts.policy;
    const order = policy === 'vtc' || policy === 'fairway' ? 'vtc' : 'fcfs';
    const counter = (t: TenantId): number => this.#vtc.counter(t);
    for (let budget = this.#queue.size; budget > 0; budget--) {
      const head = this.#queue.pick(order, nowMs, this.#opts.priorityAgingMs, counter);
      if (head === undefined) return;
      const views = this.#views(nowMs);
      const standing = this.#standing(head, nowMs);
      const target = place(head, views, this.#instances, this.#placementOpts(head, nowMs), this.#rr, standing);
      if (target !== undefined) {
        this.#queue.remove(head);
        this.#observeDepth(head.req.tenant);
        this.#dispatch(head, target, nowMs, out);
        continue;
      }
      if (policy === 'fairway') this.#maybePreempt(head, views, nowMs, out, queueLimitsFor(standing, this.#opts));
      return; // VTC admission: no skipping past the head, fairness over head-of-line blocking
    }
  }

  /** `head`'s priority standing among the classes that arrived within the last `priorityAgingMs`. */
  #standing(head: RequestRecord, nowMs: number): PriorityStanding {
    const cls = head.req.priority;
    let higherActive = false;
    for (const [seen, seenMs] of this.#classSeenMs) {
      if (seen > cls && nowMs - seenMs < this.#opts.priorityAgingMs) higherActive = true;
    }
    if (higherActive) return 'yielding';
    return cls > 0 ? 'urgent' : 'plain';
  }

  /** Lower classes leave `priorityHeadroom` of KV free while a higher class is active. */
  #placementOpts(head: RequestRecord, nowMs: number): SchedulerOptions {
    if (this.#opts.priorityHeadroom <= 0) return this.#opts;
    for (const [cls, seenMs] of this.#classSeenMs) {
      if (cls > head.req.priority && nowMs - seenMs < this.#opts.priorityAgingMs) return this.#reservedOpts;
    }
    return this.#opts;
  }

  #maybePreempt(
    head: RequestRecord,
    views: Map<InstanceId, InstanceView>,
    nowMs: number,
    out: SchedDecision[],
    limits: QueueLimits,
  ): void {
    const counter = (t: TenantId): number => this.#vtc.counter(t);
    const choice = choosePreemptionVictim(head, views, this.#records.values(), counter, this.#opts, nowMs, limits);
    if (choice === undefined) return;
    const { victim, reason } = choice;
    invariant(victim.instance !== null, `preempting ${victim.req.id} without an instance`);
    markStopping(victim, { kind: 'preempt', reason });
    victim.preemptions++;
    out.push({ type: 'preempt', id: victim.req.id, reason });
    this.#obs.observe({
      type: 'preempt',
      id: victim.req.id,
      tenant: victim.req.tenant,
      instance: victim.instance,
      reason,
    });
  }

  /** Replaces the prompt estimate with the exact length; the prompt charge is corrected by the difference. */
  #correctPrompt(rec: RequestRecord, exactTokens: number): void {
    const delta = exactTokens - rec.promptTokens;
    if (delta === 0 || exactTokens <= 0) return;
    rec.promptTokens = exactTokens;
    if (!rec.charged) return;
    const { tenant } = rec.req;
    this.#observeCharge(tenant, 'prompt', delta, this.#vtc.correctPrompt(tenant, delta));
  }

  #observeCharge(tenant: TenantId, kind: 'prompt' | 'output', tokens: number, amount: number): void {
    this.#obs.observe({ type: 'charge', tenant, kind, tokens, amount, counter: this.#vtc.counter(tenant) });
  }

  #dispatch(rec: RequestRecord, instance: InstanceId, nowMs: number, out: SchedDecision[]): void {
    const inst = this.#instances.get(instance);
    invariant(inst !== undefined && inst.up && !inst.draining, `dispatch to unusable instance ${instance}`);
    const { id, tenant } = rec.req;
    const promptTokens = rec.promptTokens;
    const waitedMs = nowMs - rec.queuedSinceMs;
    const resume = rec.charged;
    // The vLLM priority reflects the fairness order as it stood when the request was picked.
    const cls = effectiveClass(rec, nowMs, this.#opts.priorityAgingMs);
    const counter = (t: TenantId): number => this.#vtc.counter(t);
    const vllmPriority = vllmPriorityFor(tenant, cls, this.#opts, counter, () => this.#activeTenants());
    inst.incoming.delete(id);
    markRunning(rec, instance, nowMs);
    inst.inFlight.add(id);
    inst.sinceSnapshot.dispatched++;
    this.#inFlightByTenant.set(tenant, (this.#inFlightByTenant.get(tenant) ?? 0) + 1);
    if (!resume) {
      rec.charged = true;
      this.#observeCharge(tenant, 'prompt', promptTokens, this.#vtc.chargePrompt(tenant, promptTokens));
    } else {
      this.#obs.observe(recomputeFor(rec, instance, this.#opts.blockSizeTokens));
    }
    out.push({
      type: 'dispatch',
      id,
      instance,
      vllmPriority,
      resume,
      streamTokens: needsTokenProgress(this.#opts.policy),
    });
    this.#obs.observe({ type: 'dispatch', id, tenant, instance, resume, waitedMs });
    this.#dispatchTimesMs.push(nowMs);
    if (this.#dispatchTimesMs.length > DISPATCH_HISTORY) this.#dispatchTimesMs.shift();
  }
}

/** Builds a scheduler; `options` are merged over DEFAULT_SCHEDULER_OPTIONS and validated. */
export function createScheduler(options: Partial<SchedulerOptions>, deps: SchedulerDeps): Scheduler {
  return new CoreScheduler(resolveSchedulerOptions(options), deps);
}
