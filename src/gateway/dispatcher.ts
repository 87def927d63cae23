/**
 * Executes scheduler decisions; never decides. Requests wait here for a `dispatch` lease; a running
 * lease is aborted when the scheduler preempts or migrates it. Instance events from the pool are fed
 * to the scheduler, and one coalesced timer drives `scheduler.tick()`.
 */
import type { InstanceId, RequestId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type {
  InstanceSnapshot,
  PreemptReason,
  RejectCode,
  SchedDecision,
  SchedEvent,
  SchedRequest,
  Scheduler,
  SchedulerSnapshot,
} from '../core/scheduler/types.js';
import { FairwayError } from '../errors.js';

/** Permission to run a request on an instance until `signal` aborts (preempt or migrate). */
export interface Lease {
  readonly instance: InstanceId;
  readonly vllmPriority: number;
  readonly resume: boolean;
  /** The scheduler needs this run's progress token by token (see the dispatch decision). */
  readonly streamTokens: boolean;
  readonly signal: AbortSignal;
  /** Why the lease was revoked, once it is. */
  revokedFor(): PreemptReason | null;
}

interface Waiter {
  resolve(lease: Lease): void;
  reject(error: FairwayError): void;
}

interface Running {
  readonly controller: AbortController;
  reason: PreemptReason | null;
}

function rejection(code: RejectCode, retryAfterMs: number, model: string): FairwayError {
  switch (code) {
    case 'queue_full':
      return new FairwayError('FW_ERR_QUEUE_FULL', { detail: 'gateway queue' }, { retryAfterMs });
    case 'tenant_queue_full':
      return new FairwayError('FW_ERR_QUEUE_FULL', { detail: 'tenant queue' }, { retryAfterMs });
    case 'no_instance':
      return new FairwayError('FW_ERR_NO_HEALTHY_BACKEND', { model }, { retryAfterMs });
    case 'too_large':
      return new FairwayError('FW_ERR_VALIDATION', { detail: 'The prompt and max_tokens exceed every instance' });
  }
}

export interface DispatcherOptions {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  /** Interval of `scheduler.tick()`. */
  readonly tickIntervalMs: number;
  /** Decision log hook (tests, debugging). */
  readonly onDecision?: (d: SchedDecision) => void;
}

export class Dispatcher {
  readonly #scheduler: Scheduler;
  readonly #clock: Clock;
  readonly #tickIntervalMs: number;
  readonly #onDecision: ((d: SchedDecision) => void) | undefined;
  readonly #waiting = new Map<RequestId, Waiter>();
  readonly #running = new Map<RequestId, Running>();
  readonly #models = new Map<RequestId, string>();
  /** Leases granted while the request's session was still on its previous run (requeued by instanceDown). */
  readonly #granted = new Map<RequestId, { readonly lease: Lease; readonly running: Running }>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: DispatcherOptions) {
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#tickIntervalMs = options.tickIntervalMs;
    this.#onDecision = options.onDecision;
  }

  start(): void {
    if (this.#timer !== null) return;
    let lastTickMs = this.#clock.nowMs();
    const run = (): void => {
      const nowMs = this.#clock.nowMs();
      // Timers can fire a fraction of a millisecond early on the clock, and the scheduler skips a tick
      // that comes before its interval is up (doubling the migration period): wait out the remainder.
      const earlyMs = this.#tickIntervalMs - (nowMs - lastTickMs);
      if (earlyMs <= 0) {
        lastTickMs = nowMs;
        this.#execute(this.#scheduler.tick(nowMs));
      }
      if (this.#timer === null) return; // stopped meanwhile
      this.#timer = setTimeout(run, earlyMs > 0 ? Math.ceil(earlyMs) : this.#tickIntervalMs).unref();
    };
    this.#timer = setTimeout(run, this.#tickIntervalMs).unref();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Queues a new request; resolves with its first lease or rejects with a coded error. */
  submit(request: SchedRequest): Promise<Lease> {
    this.#models.set(request.id, request.model);
    return this.#await(request.id, { type: 'arrive', request });
  }

  /** After a revoked lease's upstream stream is closed: re-queues the request as a continuation. */
  resume(id: RequestId, generatedTokens: number): Promise<Lease> {
    return this.#next(id, { type: 'stopped', id, generatedTokens });
  }

  /** The upstream stream failed under a running lease: re-queues the request away from that instance. */
  interrupted(id: RequestId, generatedTokens: number): Promise<Lease> {
    return this.#next(id, { type: 'interrupted', id, generatedTokens });
  }

  /** The next lease of a request whose current one ended: one the scheduler already granted, or a new wait. */
  #next(id: RequestId, event: SchedEvent): Promise<Lease> {
    this.#running.delete(id);
    const granted = this.#granted.get(id);
    if (granted !== undefined) {
      this.#granted.delete(id);
      this.#running.set(id, granted.running);
      return Promise.resolve(granted.lease);
    }
    return this.#await(id, event);
  }

  dispatched(id: RequestId, instance: InstanceId): void {
    this.#apply({ type: 'dispatched', id, instance });
  }
  /** The current run's first token; `promptTokens` is the exact prompt length when known (first run). */
  firstToken(id: RequestId, promptTokens?: number): void {
    this.#apply(promptTokens === undefined ? { type: 'firstToken', id } : { type: 'firstToken', id, promptTokens });
  }
  tokens(id: RequestId, n: number): void {
    if (n > 0) this.#apply({ type: 'tokens', id, n });
  }
  finished(id: RequestId): void {
    this.#forget(id);
    this.#apply({ type: 'finished', id });
  }
  failed(id: RequestId): void {
    this.#forget(id);
    this.#apply({ type: 'failed', id });
  }
  /** The client went away: the request leaves the queue or its lease ends. */
  cancelled(id: RequestId): void {
    const waiter = this.#waiting.get(id);
    this.#forget(id);
    this.#apply({ type: 'cancelled', id });
    waiter?.reject(new FairwayError('FW_ERR_INTERNAL', { requestId: id }));
  }

  instanceUp(instance: InstanceId, kvCapacityTokens: number): void {
    this.#apply({ type: 'instanceUp', instance, kvCapacityTokens });
  }
  instanceDown(instance: InstanceId): void {
    this.#apply({ type: 'instanceDown', instance });
  }
  instanceSnapshot(snapshot: InstanceSnapshot): void {
    this.#apply({ type: 'instanceSnapshot', snapshot });
  }
  drain(instance: InstanceId, draining: boolean): void {
    this.#apply({ type: 'drain', instance, draining });
  }

  /** The scheduler's queues, counters and in-flight requests, as plain data (admin API). */
  snapshot(): SchedulerSnapshot {
    return this.#scheduler.snapshot();
  }

  get waitingCount(): number {
    return this.#waiting.size;
  }
  get runningCount(): number {
    return this.#running.size;
  }

  #await(id: RequestId, event: SchedEvent): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#apply(event);
    });
  }

  #forget(id: RequestId): void {
    this.#waiting.delete(id);
    this.#granted.delete(id);
    this.#running.delete(id);
    this.#models.delete(id);
  }

  #apply(event: SchedEvent): void {
    this.#execute(this.#scheduler.apply(event));
  }

  #execute(decisions: readonly SchedDecision[]): void {
    for (const d of decisions) {
      this.#onDecision?.(d);
      switch (d.type) {
        case 'dispatch': {
          const waiter = this.#waiting.get(d.id);
          const previous = this.#running.get(d.id);
          if (waiter === undefined && previous === undefined) break; // cancelled meanwhile; the scheduler knows
          const running: Running = { controller: new AbortController(), reason: null };
          const lease: Lease = {
            instance: d.instance,
            vllmPriority: d.vllmPriority,
            resume: d.resume,
            streamTokens: d.streamTokens,
            signal: running.controller.signal,
            revokedFor: () => running.reason,
          };
          if (waiter !== undefined) {
            this.#waiting.delete(d.id);
            this.#running.set(d.id, running);
            waiter.resolve(lease);
          } else if (previous !== undefined) {
            // The scheduler requeued a run it believes lost (instanceDown) and placed it again: end the
            // old run; the session picks this lease up when it asks for its next one.
            this.#granted.set(d.id, { lease, running });
            if (previous.reason === null) {
              previous.reason = 'failure';
              previous.controller.abort('failure');
            }
          }
          break;
        }
        case 'reject': {
          const waiter = this.#waiting.get(d.id);
          const model = this.#models.get(d.id) ?? '';
          this.#forget(d.id);
          waiter?.reject(rejection(d.code, d.retryAfterMs, model));
          break;
        }
        case 'preempt':
        case 'migrate': {
          const running = this.#running.get(d.id);
          if (running !== undefined && running.reason === null) {
            running.reason = d.reason;
            running.controller.abort(d.reason);
          }
          break;
        }
      }
    }
  }
}
