/**
 * A deterministic fake cluster that follows scheduler decisions exactly: each instance runs up to
 * `maxRunning` requests FCFS (vLLM-like internal waiting queue), each running request makes one token
 * per step, prompts are processed in the admitting step. Used by fairness and property tests.
 */
import type { ManualClock } from '../../../src/core/clock.js';
import { asInstanceId, type InstanceId, type RequestId, type TenantId } from '../../../src/core/ids.js';
import type { SchedDecision, SchedEvent, SchedRequest, Scheduler } from '../../../src/core/scheduler/types.js';

interface Resident {
  readonly req: SchedRequest;
  generated: number;
  started: boolean;
}

interface FakeInstance {
  readonly id: InstanceId;
  readonly capacityTokens: number;
  up: boolean;
  running: Resident[];
  waiting: Resident[];
}

export interface ClusterSpec {
  readonly instances: number;
  readonly capacityTokens: number;
  readonly maxRunning: number;
  readonly wIn?: number;
  readonly wOut?: number;
  /** Steps between carrying out a preempt/migrate (abort) and reporting `stopped` (0 = at once). */
  readonly stopDelaySteps?: number;
}

export class FakeCluster {
  readonly log: SchedDecision[] = [];
  /** Weighted service actually delivered per tenant (wIn per prefilled prompt token, wOut per output token). */
  readonly service = new Map<TenantId, number>();
  readonly generated = new Map<RequestId, number>();
  readonly doneIds = new Map<RequestId, string>();
  readonly dispatchedIds = new Set<RequestId>();
  readonly #instances = new Map<InstanceId, FakeInstance>();
  readonly #requests = new Map<RequestId, SchedRequest>();
  readonly #prefilled = new Set<RequestId>();
  #pendingStops: Array<{ id: RequestId; instance: InstanceId; dueMs: number }> = [];
  readonly #sched: Scheduler;
  readonly #clock: ManualClock;
  readonly #spec: ClusterSpec;
  /** Called when a request finishes (closed-loop clients resubmit here). */
  onFinished: (req: SchedRequest) => void = () => undefined;
  /** Called after each dispatch with the target's resident count and context tokens (budget checks). */
  onDispatch: (instance: InstanceId, residents: number, residentTokens: number) => void = () => undefined;

  constructor(sched: Scheduler, clock: ManualClock, spec: ClusterSpec) {
    this.#sched = sched;
    this.#clock = clock;
    this.#spec = spec;
    for (let i = 0; i < spec.instances; i++) this.addInstance(`i${i}`);
  }

  addInstance(name: string): void {
    const id = asInstanceId(name);
    const existing = this.#instances.get(id);
    if (existing !== undefined) existing.up = true;
    else this.#instances.set(id, { id, capacityTokens: this.#spec.capacityTokens, up: true, running: [], waiting: [] });
    this.send({ type: 'instanceUp', instance: id, kvCapacityTokens: this.#spec.capacityTokens });
  }

  /** Kills an instance: its residents vanish, then the scheduler is told. */
  kill(name: string): void {
    const inst = this.#instances.get(asInstanceId(name));
    if (inst === undefined || !inst.up) return;
    inst.up = false;
    inst.running = [];
    inst.waiting = [];
    // Aborts in progress there die with the instance; the scheduler requeues those requests itself.
    this.#pendingStops = this.#pendingStops.filter((p) => p.instance !== inst.id);
    this.send({ type: 'instanceDown', instance: inst.id });
  }

  arrive(req: SchedRequest): void {
    this.#requests.set(req.id, req);
    this.send({ type: 'arrive', request: req });
  }

  /** Sends an event and carries out every resulting decision (and theirs), in order. */
  send(event: SchedEvent): void {
    this.#execute(this.#sched.apply(event));
  }

  tick(): void {
    this.#execute(this.#sched.tick(this.#clock.nowMs()));
  }

  resident(name: string): number {
    const inst = this.#instances.get(asInstanceId(name));
    return inst === undefined ? 0 : inst.running.length + inst.waiting.length;
  }

  residentIds(): RequestId[] {
    return [...this.#instances.values()].flatMap((i) => [...i.running, ...i.waiting].map((r) => r.req.id));
  }

  /** One engine step of 1 ms on every instance, then fresh snapshots and a scheduler tick. */
  step(): void {
    this.#clock.advance(1);
    const due = this.#pendingStops.filter((p) => p.dueMs <= this.#clock.nowMs());
    this.#pendingStops = this.#pendingStops.filter((p) => p.dueMs > this.#clock.nowMs());
    for (const p of due) this.send({ type: 'stopped', id: p.id, generatedTokens: this.generated.get(p.id) ?? 0 });
    const wIn = this.#spec.wIn ?? 1;
    const wOut = this.#spec.wOut ?? 2;
    for (const inst of this.#instances.values()) {
      if (!inst.up) continue;
      let used = inst.running.reduce((s, r) => s + r.req.promptTokens + r.generated, 0);
      while (inst.waiting.length > 0 && inst.running.length < this.#spec.maxRunning) {
        const next = inst.waiting[0] as Resident;
        const ctx = next.req.promptTokens + next.generated;
        if (used + ctx > inst.capacityTokens) break;
        inst.waiting.shift();
        inst.running.push(next);
        used += ctx;
        if (!this.#prefilled.has(next.req.id)) {
          this.#prefilled.add(next.req.id);
          this.#addService(next.req.tenant, wIn * next.req.promptTokens);
        }
      }
      for (const r of [...inst.running]) {
        if (!inst.running.includes(r)) continue; // preempted or migrated by an earlier event this step
        r.generated++;
        this.generated.set(r.req.id, r.generated);
        this.#addService(r.req.tenant, wOut);
        if (!r.started) {
          r.started = true;
          this.send({ type: 'firstToken', id: r.req.id });
        }
        this.send({ type: 'tokens', id: r.req.id, n: 1 });
        if (r.generated >= r.req.maxTokens) {
          inst.running.splice(inst.running.indexOf(r), 1);
          this.send({ type: 'finished', id: r.req.id });
          this.doneIds.set(r.req.id, 'finished');
          this.onFinished(r.req);
        }
      }
    }
    for (const inst of this.#instances.values()) {
      if (!inst.up) continue;
      const used = inst.running.reduce((s, r) => s + r.req.promptTokens + r.generated, 0);
      const snapshot = {
        instance: inst.id,
        running: inst.running.length,
        waiting: inst.waiting.length,
        kvUsage: used / inst.capacityTokens,
        metricsAtMs: this.#clock.nowMs(),
      };
      this.send({ type: 'instanceSnapshot', snapshot });
    }
    this.tick();
  }

  /** The client goes away: the mechanism aborts upstream work itself, then tells the scheduler. */
  cancel(id: RequestId): void {
    for (const inst of this.#instances.values()) {
      inst.running = inst.running.filter((r) => r.req.id !== id);
      inst.waiting = inst.waiting.filter((r) => r.req.id !== id);
    }
    this.#pendingStops = this.#pendingStops.filter((p) => p.id !== id);
    if (this.#requests.has(id) && !this.doneIds.has(id)) this.doneIds.set(id, 'cancelled');
    this.send({ type: 'cancelled', id });
  }

  #addService(tenant: TenantId, amount: number): void {
    this.service.set(tenant, (this.service.get(tenant) ?? 0) + amount);
  }

  #instanceOf(id: RequestId): InstanceId | undefined {
    for (const inst of this.#instances.values()) {
      if ([...inst.running, ...inst.waiting].some((r) => r.req.id === id)) return inst.id;
    }
    return undefined;
  }

  #remove(id: RequestId): Resident | undefined {
    for (const inst of this.#instances.values()) {
      for (const list of [inst.running, inst.waiting]) {
        const at = list.findIndex((r) => r.req.id === id);
        if (at >= 0) return list.splice(at, 1)[0];
      }
    }
    return undefined;
  }

  #execute(decisions: readonly SchedDecision[]): void {
    for (const d of decisions) {
      this.log.push(d);
      switch (d.type) {
        case 'dispatch': {
          const req = this.#requests.get(d.id);
          if (req === undefined) throw new Error(`dispatch of unknown ${d.id}`);
          if (this.doneIds.has(d.id)) throw new Error(`dispatch of finished or cancelled ${d.id}`);
          if (this.residentIds().includes(d.id)) throw new Error(`${d.id} dispatched while resident`);
          const inst = this.#instances.get(d.instance);
          if (inst === undefined || !inst.up) throw new Error(`dispatch to dead ${d.instance}`);
          this.dispatchedIds.add(d.id);
          inst.waiting.push({ req, generated: this.generated.get(d.id) ?? 0, started: false });
          const residents = [...inst.running, ...inst.waiting];
          const tokens = residents.reduce((sum, r) => sum + r.req.promptTokens + r.generated, 0);
          this.onDispatch(inst.id, residents.length, tokens);
          this.send({ type: 'dispatched', id: d.id, instance: d.instance });
          break;
        }
        case 'preempt':
        case 'migrate': {
          const from = this.#instanceOf(d.id);
          const resident = this.#remove(d.id);
          if (resident === undefined || from === undefined) throw new Error(`${d.type} of non-resident ${d.id}`);
          const delay = this.#spec.stopDelaySteps ?? 0;
          if (delay === 0) this.send({ type: 'stopped', id: d.id, generatedTokens: this.generated.get(d.id) ?? 0 });
          else this.#pendingStops.push({ id: d.id, instance: from, dueMs: this.#clock.nowMs() + delay });
          break;
        }
        case 'reject':
          this.doneIds.set(d.id, 'rejected');
          break;
      }
    }
  }
}
