/**
 * The discrete-event, virtual-time cluster simulator: N engines (src/core/engine) driven through the
 * real scheduler core, exactly as the gateway's dispatcher + generation path drives vLLM over HTTP,
 * with a ManualClock and an event heap of arrivals, engine step completions, token deliveries,
 * metric scrapes (stale by design), scheduler ticks, network delay and abort lag. It owns mechanism
 * only: every placement, preemption and migration comes from the scheduler. Deterministic.
 */
import { ManualClock } from '../../core/clock.js';
import { Engine } from '../../core/engine/index.js';
import type { EngineOutput, EngineRequest, StepResult } from '../../core/engine/index.js';
import { asInstanceId, asRequestId, asTenantId } from '../../core/ids.js';
import type { InstanceId, RequestId } from '../../core/ids.js';
import { SeededRng } from '../../core/rng.js';
import { createScheduler } from '../../core/scheduler/index.js';
import type {
  InstanceSnapshot,
  SchedDecision,
  SchedEvent,
  Scheduler,
  SchedulerOptions,
} from '../../core/scheduler/index.js';
import type { RequestRecord } from '../../replay/record.js';
import { EventQueue } from './event-queue.js';
import { PromptBook, shapeOf, type RequestShape } from './prompts.js';
import type { ClusterSimOptions, ClusterSimResult, SimTraceRequest } from './types.js';

export type { ClusterSimOptions, ClusterSimResult, SimTraceRequest } from './types.js';

const KIND_ENGINE_ADD = 0;
const KIND_STEP_DONE = 1;
const KIND_DELIVER = 2;
const KIND_ABORT = 3;
const KIND_SCRAPE = 4;
const KIND_SNAPSHOTS = 5;
const KIND_TICK = 6;
const KIND_ARRIVE = 7;

type SimEvent =
  | { readonly kind: typeof KIND_ENGINE_ADD; readonly inst: SimInstance; readonly req: EngineRequest }
  | { readonly kind: typeof KIND_STEP_DONE; readonly inst: SimInstance; readonly outputs: readonly EngineOutput[] }
  | { readonly kind: typeof KIND_DELIVER; readonly outputs: readonly EngineOutput[] }
  | { readonly kind: typeof KIND_ABORT; readonly inst: SimInstance; readonly runId: string }
  | { readonly kind: typeof KIND_SCRAPE }
  | {
      readonly kind: typeof KIND_SNAPSHOTS;
      readonly stats: ReadonlyArray<readonly [SimInstance, number, number, number]>;
    }
  | { readonly kind: typeof KIND_TICK }
  | { readonly kind: typeof KIND_ARRIVE; readonly request: SimTraceRequest };

interface SimInstance {
  readonly id: InstanceId;
  readonly engine: Engine;
  stepping: boolean;
  readonly pendingAborts: string[];
}

/** One upstream attempt of a request (the first run or a continuation). */
interface Run {
  readonly id: string;
  readonly req: SimRequest;
  readonly inst: SimInstance;
  readonly continuation: boolean;
  started: boolean;
  enginePreempted: boolean;
}

interface SimRequest {
  readonly trace: SimTraceRequest;
  readonly id: RequestId;
  readonly shape: RequestShape;
  readonly arrivalMs: number;
  readonly tokenTimesMs: number[];
  readonly generatedIds: number[];
  run: Run | null;
  attempts: number;
  preemptions: number;
  migrations: number;
  recomputeTokens: number;
  done: boolean;
}

type FollowUp = SchedEvent | { readonly type: 'tick' };

const defaultWallNowMs = (): number => performance.now();

export class ClusterSimulation {
  readonly #clock = new ManualClock(0);
  readonly #queue = new EventQueue<SimEvent>();
  readonly #sched: Scheduler;
  readonly #instances: SimInstance[] = [];
  readonly #book: PromptBook;
  readonly #shapes: RequestShape[];
  readonly #requests = new Map<RequestId, SimRequest>();
  readonly #runs = new Map<string, Run>();
  readonly #records: RequestRecord[] = [];
  readonly #followUps: FollowUp[] = [];
  readonly #opts: ClusterSimOptions;
  readonly #halfRttMs: number;
  readonly #scrapeMs: number;
  readonly #tickMs: number;
  #draining = false;
  #unfinished = 0;
  #clamped = 0;
  #closedIssued = 0;
  #prefillTokens = 0;

  constructor(opts: ClusterSimOptions) {
    this.#opts = opts;
    const seed = opts.seed ?? 1;
    this.#halfRttMs = (opts.networkRttMs ?? 0.5) / 2;
    this.#scrapeMs = opts.scrapeIntervalMs ?? 50;
    const weights: Record<string, number> = {};
    for (const r of opts.requests) if (!(r.tenant in weights)) weights[r.tenant] = r.weight;
    const schedOpts: Partial<SchedulerOptions> = {
      // The simulator measures scheduling, not admission: queue bounds are lifted unless given.
      maxQueued: 1_000_000,
      maxQueuedPerTenant: 1_000_000,
      ...opts.scheduler,
      policy: opts.policy,
      tenantWeights: { ...weights, ...(opts.scheduler?.tenantWeights ?? {}) },
    };
    this.#sched = createScheduler(schedOpts, {
      clock: this.#clock,
      rng: new SeededRng(seed),
      ...(opts.observer !== undefined ? { observer: opts.observer } : {}),
    });
    this.#tickMs = opts.scheduler?.migrationIntervalMs ?? 50;
    const enginePolicy = opts.scheduler?.forwardVllmPriority === true ? 'priority' : 'fcfs';
    for (let i = 0; i < opts.instances; i++) {
      const engine = new Engine({
        preset: opts.preset,
        policy: enginePolicy,
        seed: 0,
        ...(opts.kvTokens !== undefined ? { kvTokens: opts.kvTokens } : {}),
        ...(opts.maxBatchedTokens !== undefined ? { maxNumBatchedTokens: opts.maxBatchedTokens } : {}),
      });
      this.#instances.push({ id: asInstanceId(`i${i}`), engine, stepping: false, pendingAborts: [] });
    }
    const maxModelLen = this.#instances[0]?.engine.maxModelLen ?? 1;
    this.#shapes = opts.requests.map((r) => {
      const s = shapeOf(r.promptTokens, r.outputTokens, maxModelLen);
      if (s.clamped) this.#clamped++;
      return s;
    });
    this.#book = new PromptBook(opts.closedLoop === undefined ? opts.requests : [], this.#shapes, seed, 0);
  }

  run(): ClusterSimResult {
    const wallNow = this.#opts.wallNowMs ?? defaultWallNowMs;
    const wallStart = wallNow();
    for (const inst of this.#instances) {
      this.#follow({ type: 'instanceUp', instance: inst.id, kvCapacityTokens: inst.engine.kvCapacityTokens });
    }
    const requests = this.#opts.requests;
    const closed = this.#opts.closedLoop;
    let next = 0;
    if (closed !== undefined) {
      this.#unfinished = closed.total;
      for (let i = 0; i < Math.min(closed.concurrency, closed.total); i++) this.#issueClosedLoop();
    } else this.#unfinished = requests.length;
    if (this.#unfinished > 0) {
      this.#queue.push(0, { kind: KIND_SCRAPE });
      this.#queue.push(0, { kind: KIND_TICK });
    }
    const queue = this.#queue;
    while (this.#unfinished > 0) {
      const arrival = closed === undefined ? requests[next] : undefined;
      const tEvent = queue.peekTimeMs();
      if (arrival !== undefined && arrival.arrivalMs <= tEvent) {
        next++;
        this.#advance(arrival.arrivalMs);
        this.#arrive(arrival);
        continue;
      }
      const ev = queue.pop();
      if (ev === undefined) break;
      this.#advance(tEvent);
      this.#handle(ev);
    }
    const wallMs = Math.max(1e-6, wallNow() - wallStart);
    let enginePreemptions = 0;
    let prefixHits = 0;
    for (const inst of this.#instances) {
      const c = inst.engine.stats().counters;
      enginePreemptions += c.preemptions;
      prefixHits += c.prefixCacheHitsTokens;
    }
    let first = Infinity;
    let last = 0;
    for (const r of this.#records) {
      first = Math.min(first, r.arrivalMs);
      last = Math.max(last, r.finishMs);
    }
    const records = this.#records.slice().sort((a, b) => a.arrivalMs - b.arrivalMs || cmpId(a.id, b.id));
    return {
      records,
      facts: { wallMs, enginePreemptions, virtualSpanMs: records.length > 0 ? last - first : 0 },
      clamped: this.#clamped,
      prefillTokens: this.#prefillTokens,
      prefixHitTokens: prefixHits,
    };
  }

  #advance(tMs: number): void {
    if (tMs > this.#clock.nowMs()) this.#clock.set(tMs);
  }

  #issueClosedLoop(): void {
    const closed = this.#opts.closedLoop;
    const n = this.#opts.requests.length;
    if (closed === undefined || this.#closedIssued >= closed.total || n === 0) return;
    const j = this.#closedIssued++;
    const src = this.#opts.requests[Math.floor((j * n) / closed.total) % n] as SimTraceRequest;
    this.#queue.push(this.#clock.nowMs(), { kind: KIND_ARRIVE, request: { ...src, index: src.index } });
  }

  #handle(ev: SimEvent): void {
    switch (ev.kind) {
      case KIND_ENGINE_ADD: {
        const added = ev.inst.engine.add(ev.req);
        if (!added.ok) throw new Error(`fairway simulator: engine refused ${ev.req.id}: ${added.reason}`);
        if (!ev.inst.stepping) this.#startStep(ev.inst);
        return;
      }
      case KIND_STEP_DONE:
        ev.inst.stepping = false;
        if (ev.outputs.length > 0)
          this.#queue.push(this.#clock.nowMs() + this.#halfRttMs, { kind: KIND_DELIVER, outputs: ev.outputs });
        this.#startStep(ev.inst);
        return;
      case KIND_DELIVER:
        this.#deliver(ev.outputs);
        return;
      case KIND_ABORT:
        if (ev.inst.stepping) ev.inst.pendingAborts.push(ev.runId);
        else ev.inst.engine.abort(ev.runId);
        return;
      case KIND_SCRAPE: {
        const stats = this.#instances.map((inst) => {
          const s = inst.engine.stats();
          return [inst, s.running, s.waiting, s.kvUsage] as const;
        });
        this.#queue.push(this.#clock.nowMs() + this.#halfRttMs, { kind: KIND_SNAPSHOTS, stats });
        this.#queue.push(this.#clock.nowMs() + this.#scrapeMs, { kind: KIND_SCRAPE });
        return;
      }
      case KIND_SNAPSHOTS:
        for (const [inst, running, waiting, kvUsage] of ev.stats) {
          const snapshot: InstanceSnapshot = {
            instance: inst.id,
            running,
            waiting,
            kvUsage,
            metricsAtMs: this.#clock.nowMs(),
          };
          this.#follow({ type: 'instanceSnapshot', snapshot });
        }
        return;
      case KIND_TICK:
        this.#follow({ type: 'tick' });
        this.#queue.push(this.#clock.nowMs() + this.#tickMs, { kind: KIND_TICK });
        return;
      case KIND_ARRIVE:
        this.#arrive(ev.request);
        return;
    }
  }

  #arrive(t: SimTraceRequest): void {
    const closed = this.#opts.closedLoop !== undefined;
    const id = asRequestId(closed ? `c${this.#records.length + this.#requests.size}` : `r${t.index}`);
    const shape = this.#shapes[t.index] as RequestShape;
    const req: SimRequest = {
      trace: t,
      id,
      shape,
      arrivalMs: this.#clock.nowMs(),
      tokenTimesMs: [],
      generatedIds: [],
      run: null,
      attempts: 0,
      preemptions: 0,
      migrations: 0,
      recomputeTokens: 0,
      done: false,
    };
    this.#requests.set(id, req);
    this.#follow({
      type: 'arrive',
      request: {
        id,
        tenant: asTenantId(t.tenant),
        priority: t.priority,
        model: 'sim',
        promptTokens: shape.promptTokens,
        maxTokens: shape.outputTokens,
        preemptible: true,
      },
    });
  }

  /** Queues a scheduler event (or tick) and, unless already inside the loop, runs them all in order. */
  #follow(item: FollowUp): void {
    this.#followUps.push(item);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#followUps.length; i++) {
        const next = this.#followUps[i] as FollowUp;
        const decisions = next.type === 'tick' ? this.#sched.tick(this.#clock.nowMs()) : this.#sched.apply(next);
        for (const d of decisions) this.#execute(d);
      }
    } finally {
      this.#followUps.length = 0;
      this.#draining = false;
    }
  }

  #execute(d: SchedDecision): void {
    const req = this.#requests.get(d.id);
    if (req === undefined || req.done) return;
    const now = this.#clock.nowMs();
    switch (d.type) {
      case 'dispatch': {
        if (req.run !== null) return; // cannot happen without instanceDown; the gateway would end the old run
        const inst = this.#instances.find((i) => i.id === d.instance);
        if (inst === undefined) throw new Error(`fairway simulator: dispatch to unknown ${d.instance}`);
        const generated = req.generatedIds.length;
        const remaining = req.shape.outputTokens - generated;
        if (d.resume && remaining <= 0) {
          this.#complete(req, now);
          return;
        }
        const prompt = this.#book.promptIds(req.trace.index);
        if (d.resume) for (const t of req.generatedIds) prompt.push(t);
        const runId = `${req.id}~${req.attempts++}`;
        const run: Run = { id: runId, req, inst, continuation: d.resume, started: false, enginePreempted: false };
        req.run = run;
        this.#runs.set(runId, run);
        const engineReq: EngineRequest = {
          id: runId,
          promptTokenIds: prompt,
          maxTokens: remaining,
          ignoreEos: true,
          priority: d.vllmPriority,
        };
        this.#queue.push(now + this.#halfRttMs, { kind: KIND_ENGINE_ADD, inst, req: engineReq });
        this.#follow({ type: 'dispatched', id: req.id, instance: inst.id });
        return;
      }
      case 'preempt':
      case 'migrate': {
        const run = req.run;
        if (run === null) return;
        // The gateway closes the upstream stream (vLLM aborts after its current step) and re-queues.
        this.#runs.delete(run.id);
        req.run = null;
        this.#queue.push(now + this.#halfRttMs, { kind: KIND_ABORT, inst: run.inst, runId: run.id });
        if (d.type === 'migrate') req.migrations++;
        else req.preemptions++;
        this.#follow({ type: 'stopped', id: req.id, generatedTokens: req.generatedIds.length });
        return;
      }
      case 'reject':
        this.#end(req, now, false, d.code);
        return;
    }
  }

  #startStep(inst: SimInstance): void {
    const engine = inst.engine;
    if (inst.pendingAborts.length > 0) {
      for (const id of inst.pendingAborts) engine.abort(id);
      inst.pendingAborts.length = 0;
    }
    if (!engine.hasWork()) return;
    const res: StepResult = engine.step();
    if (res.preempted.length > 0) {
      for (const id of res.preempted) {
        const run = this.#runs.get(id);
        if (run !== undefined) run.enginePreempted = true;
      }
    }
    if (res.prefillTokens > 0) {
      this.#prefillTokens += res.prefillTokens;
      for (const c of res.scheduled) {
        if (!c.isPrefill) continue;
        const run = this.#runs.get(c.id);
        if (run !== undefined && (run.continuation || run.enginePreempted)) run.req.recomputeTokens += c.numTokens;
      }
    }
    inst.stepping = true;
    this.#queue.push(this.#clock.nowMs() + res.durationMs, { kind: KIND_STEP_DONE, inst, outputs: res.outputs });
  }

  #deliver(outputs: readonly EngineOutput[]): void {
    const now = this.#clock.nowMs();
    for (const out of outputs) {
      const run = this.#runs.get(out.id);
      if (run === undefined) continue; // the gateway closed this stream already
      const req = run.req;
      req.tokenTimesMs.push(now);
      req.generatedIds.push(out.tokenId);
      if (!run.started) {
        run.started = true;
        this.#follow({ type: 'firstToken', id: req.id });
      }
      this.#follow({ type: 'tokens', id: req.id, n: 1 });
      if (out.finishReason !== null) {
        this.#runs.delete(run.id);
        req.run = null;
        this.#complete(req, now);
      }
    }
  }

  #complete(req: SimRequest, now: number): void {
    this.#end(req, now, true);
    this.#follow({ type: 'finished', id: req.id });
  }

  #end(req: SimRequest, now: number, ok: boolean, error?: string): void {
    req.done = true;
    this.#requests.delete(req.id);
    this.#unfinished--;
    const t = req.trace;
    this.#records.push({
      id: req.id,
      tenant: t.tenant,
      weight: t.weight,
      priority: t.priority,
      arrivalMs: req.arrivalMs,
      promptTokens: req.shape.promptTokens,
      outputTokens: ok ? req.generatedIds.length : req.tokenTimesMs.length,
      tokenTimesMs: req.tokenTimesMs,
      finishMs: now,
      ok,
      ...(error !== undefined ? { error } : {}),
      preemptions: req.preemptions,
      migrations: req.migrations,
      recomputeTokens: req.recomputeTokens,
    });
    if (this.#opts.closedLoop !== undefined) this.#issueClosedLoop();
  }
}

function cmpId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs one simulation to completion (every request finished or rejected). */
export function simulateCluster(opts: ClusterSimOptions): ClusterSimResult {
  return new ClusterSimulation(opts).run();
}
