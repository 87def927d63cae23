/**
 * Tracks every backend instance: health (with consecutive-failure hysteresis), latest scraped
 * metrics, served models. Polls `/health` and `/metrics` on ONE coalesced timer armed for the
 * earliest due poll, and reports changes as events for the scheduler. It decides nothing about placement.
 */
import type { Clock } from '../core/clock.js';
import type { InstanceId } from '../core/ids.js';
import type { BackendClient, InstanceMetrics, ModelCard } from '../core/ports.js';

/** Timer functions, injectable so tests drive them with fake timers. */
export interface PoolTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface InstancePoolOptions {
  readonly clients: readonly BackendClient[];
  readonly healthIntervalMs: number;
  readonly metricsIntervalMs: number;
  /** Consecutive failed checks (health polls or `markFailed`) before an instance is marked down. */
  readonly failuresBeforeDown: number;
  /** Upper bound on one poll; a slower answer counts as a failure (default `healthIntervalMs`). */
  readonly pollTimeoutMs?: number;
  readonly clock?: Clock;
  readonly timers?: PoolTimers;
}

/** A read-only view of one instance. */
export interface InstanceStatus {
  readonly id: InstanceId;
  readonly client: BackendClient;
  /** False until the first successful health check. */
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly metrics: InstanceMetrics | null;
  /** Clock time at which `metrics` was scraped, or null. */
  readonly metricsAtMs: number | null;
  /** Model ids from `/v1/models`, refreshed whenever the instance comes up. */
  readonly models: readonly string[];
  /** The model cards behind `models` (with `max_model_len` when the server reports it). */
  readonly modelCards: readonly ModelCard[];
  /** The last failure's message, for operators; null after a success. */
  readonly lastError: string | null;
}

export type InstanceListener = (status: InstanceStatus) => void;

export interface InstancePool {
  /** Arms the poll timer; every instance is checked at once. Idempotent. */
  start(): void;
  /** Disarms the timer and aborts in-flight polls; resolves when they have settled. */
  stop(): Promise<void>;
  get(id: InstanceId): InstanceStatus | undefined;
  list(): readonly InstanceStatus[];
  healthy(): readonly InstanceStatus[];
  /** A request-path failure: counts like a failed health check. */
  markFailed(id: InstanceId, reason?: string): void;
  onInstanceUp(listener: InstanceListener): () => void;
  onInstanceDown(listener: InstanceListener): () => void;
  onMetrics(listener: InstanceListener): () => void;
}

const realTimers: PoolTimers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

const realClock: Clock = { nowMs: () => performance.now() };

export function createInstancePool(options: InstancePoolOptions): InstancePool {
  return new Pool(options);
}

interface InFlight {
  readonly controller: AbortController;
  readonly deadlineMs: number;
  timedOut: boolean;
  done: Promise<void>;
}

interface Entry extends InstanceStatus {
  healthy: boolean;
  consecutiveFailures: number;
  metrics: InstanceMetrics | null;
  metricsAtMs: number | null;
  models: readonly string[];
  modelCards: readonly ModelCard[];
  lastError: string | null;
  nextHealthAtMs: number;
  nextMetricsAtMs: number;
  healthInFlight: boolean;
  metricsInFlight: boolean;
}

class Pool implements InstancePool {
  readonly #entries = new Map<InstanceId, Entry>();
  readonly #options: InstancePoolOptions;
  readonly #pollTimeoutMs: number;
  readonly #clock: Clock;
  readonly #timers: PoolTimers;
  readonly #up = new Set<InstanceListener>();
  readonly #down = new Set<InstanceListener>();
  readonly #metrics = new Set<InstanceListener>();
  readonly #inFlight = new Set<InFlight>();
  #timer: unknown;
  #timerDueMs: number;
  #running: boolean;

  constructor(options: InstancePoolOptions) {
    if (!(options.failuresBeforeDown >= 1)) throw new RangeError('failuresBeforeDown must be >= 1');
    this.#options = options;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? options.healthIntervalMs;
    this.#clock = options.clock ?? realClock;
    this.#timers = options.timers ?? realTimers;
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    this.#running = false;
    for (const client of options.clients) {
      if (this.#entries.has(client.id)) throw new Error(`duplicate backend instance id ${client.id}`);
      this.#entries.set(client.id, {
        id: client.id,
        client,
        healthy: false,
        consecutiveFailures: 0,
        metrics: null,
        metricsAtMs: null,
        models: [],
        modelCards: [],
        lastError: null,
        nextHealthAtMs: 0,
        nextMetricsAtMs: 0,
        healthInFlight: false,
        metricsInFlight: false,
      });
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const nowMs = this.#clock.nowMs();
    for (const entry of this.#entries.values()) {
      entry.nextHealthAtMs = nowMs;
      entry.nextMetricsAtMs = nowMs;
    }
    this.#rearm();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#disarm();
    const pending = [...this.#inFlight];
    for (const poll of pending) poll.controller.abort();
    await Promise.all(pending.map((poll) => poll.done));
  }

  get(id: InstanceId): InstanceStatus | undefined {
    return this.#entries.get(id);
  }

  list(): readonly InstanceStatus[] {
    return [...this.#entries.values()];
  }

  healthy(): readonly InstanceStatus[] {
    const out: InstanceStatus[] = [];
    for (const entry of this.#entries.values()) if (entry.healthy) out.push(entry);
    return out;
  }

  markFailed(id: InstanceId, reason = 'request failed'): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) this.#failure(entry, reason);
  }

  onInstanceUp(listener: InstanceListener): () => void {
    return subscribe(this.#up, listener);
  }

  onInstanceDown(listener: InstanceListener): () => void {
    return subscribe(this.#down, listener);
  }

  onMetrics(listener: InstanceListener): () => void {
    return subscribe(this.#metrics, listener);
  }

  /** Starts every due poll, then re-arms the one timer for the next due time. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    if (!this.#running) return;
    const nowMs = this.#clock.nowMs();
    for (const poll of this.#inFlight) {
      if (!poll.timedOut && poll.deadlineMs <= nowMs) {
        poll.timedOut = true;
        poll.controller.abort();
      }
    }
    for (const entry of this.#entries.values()) {
      if (!entry.healthInFlight && entry.nextHealthAtMs <= nowMs) this.#pollHealth(entry, nowMs);
      if (entry.healthy && !entry.metricsInFlight && entry.nextMetricsAtMs <= nowMs) this.#pollMetrics(entry, nowMs);
    }
    this.#rearm();
  }

  #pollHealth(entry: Entry, nowMs: number): void {
    entry.healthInFlight = true;
    entry.nextHealthAtMs = nowMs + this.#options.healthIntervalMs;
    this.#poll(
      async (signal) => {
        const ok = await entry.client.health(signal);
        if (!ok) throw new Error('health check answered not ready');
        if (!entry.healthy || entry.models.length === 0) {
          const models = await entry.client.models(signal);
          entry.models = models.map((m) => m.id);
          entry.modelCards = models;
        }
      },
      () => this.#success(entry),
      (reason) => this.#failure(entry, reason),
      () => {
        entry.healthInFlight = false;
      },
    );
  }

  #pollMetrics(entry: Entry, nowMs: number): void {
    entry.metricsInFlight = true;
    entry.nextMetricsAtMs = nowMs + this.#options.metricsIntervalMs;
    let scraped: InstanceMetrics | null = null;
    this.#poll(
      async (signal) => {
        scraped = await entry.client.metrics(signal);
      },
      () => {
        entry.metrics = scraped;
        entry.metricsAtMs = this.#clock.nowMs();
        emit(this.#metrics, entry);
      },
      // A failed scrape leaves the metrics to go stale (the scheduler treats stale as saturated);
      // health is judged by /health and request outcomes only, so slow scrapes do not flap instances.
      (reason) => {
        entry.lastError = reason;
      },
      () => {
        entry.metricsInFlight = false;
      },
    );
  }

  /**
   * Runs one poll with a deadline `pollTimeoutMs` away. Deadlines live on the same coalesced timer
   * as due polls, so the pool never has more than one timer armed.
   */
  #poll(
    run: (signal: AbortSignal) => Promise<void>,
    onSuccess: () => void,
    onFailure: (reason: string) => void,
    onSettled: () => void,
  ): void {
    const record: InFlight = {
      controller: new AbortController(),
      deadlineMs: this.#clock.nowMs() + this.#pollTimeoutMs,
      timedOut: false,
      done: Promise.resolve(),
    };
    const settle = (failure: string | null): void => {
      this.#inFlight.delete(record);
      onSettled();
      if (!this.#running) return;
      if (record.timedOut) onFailure(`poll timed out after ${this.#pollTimeoutMs} ms`);
      else if (failure !== null) onFailure(failure);
      else onSuccess();
      this.#rearm();
    };
    this.#inFlight.add(record);
    record.done = run(record.controller.signal).then(
      () => settle(null),
      (e: unknown) => settle(errorMessage(e)),
    );
  }

  #success(entry: Entry): void {
    entry.consecutiveFailures = 0;
    entry.lastError = null;
    if (!entry.healthy) {
      entry.healthy = true;
      // Scrape metrics right away so the scheduler gets a fresh snapshot with the up event's wake.
      entry.nextMetricsAtMs = this.#clock.nowMs();
      emit(this.#up, entry);
    }
  }

  #failure(entry: Entry, reason: string): void {
    entry.consecutiveFailures++;
    entry.lastError = reason;
    if (entry.healthy && entry.consecutiveFailures >= this.#options.failuresBeforeDown) {
      entry.healthy = false;
      emit(this.#down, entry);
    }
  }

  /** Keeps exactly one timer armed: the earliest of due polls (not already running) and poll deadlines. */
  #rearm(): void {
    if (!this.#running) return;
    let dueMs = Infinity;
    for (const entry of this.#entries.values()) {
      if (!entry.healthInFlight && entry.nextHealthAtMs < dueMs) dueMs = entry.nextHealthAtMs;
      if (entry.healthy && !entry.metricsInFlight && entry.nextMetricsAtMs < dueMs) dueMs = entry.nextMetricsAtMs;
    }
    for (const poll of this.#inFlight) if (!poll.timedOut && poll.deadlineMs < dueMs) dueMs = poll.deadlineMs;
    if (dueMs === this.#timerDueMs) return;
    this.#disarm();
    if (dueMs === Infinity) return;
    this.#timerDueMs = dueMs;
    this.#timer = this.#timers.setTimeout(() => this.#fire(), Math.max(0, dueMs - this.#clock.nowMs()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
  }
}

function subscribe(set: Set<InstanceListener>, listener: InstanceListener): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function emit(set: Set<InstanceListener>, status: InstanceStatus): void {
  for (const listener of set) listener(status);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
