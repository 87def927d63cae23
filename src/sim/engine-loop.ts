/**
 * Drives one engine in real time with a single coalesced timer: step, sleep the step's duration
 * (measured against a running schedule so timer jitter does not accumulate), deliver the step's
 * tokens, repeat. Zero-duration steps chain on setImmediate so I/O is served between steps.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../core/engine/engine.js';
import type { AddResult, EngineOutput, EngineRequest, StepResult } from '../core/engine/types.js';

export interface OutputSink {
  /** A token of this request; the last one has a finishReason. */
  onOutput(out: EngineOutput, nowMs: number): void;
}

export class EngineLoop {
  readonly engine: Engine;
  readonly #sinks: Map<string, OutputSink>;
  /** Called after a step's tokens are delivered. */
  readonly #onStep: (r: StepResult) => void;
  #running: boolean;
  #closed: boolean;
  /** When the step in flight ends on the performance.now() timeline. */
  #dueMs: number;
  #timer: NodeJS.Timeout | null;

  constructor(engine: Engine, onStep: (r: StepResult) => void = () => {}) {
    this.engine = engine;
    this.#sinks = new Map();
    this.#onStep = onStep;
    this.#running = false;
    this.#closed = false;
    this.#dueMs = 0;
    this.#timer = null;
  }

  submit(req: EngineRequest, sink: OutputSink): AddResult {
    const r = this.engine.add(req);
    if (!r.ok) return r;
    this.#sinks.set(req.id, sink);
    this.#kick();
    return r;
  }

  /** Aborts at once (frees KV); tokens of the step in flight are dropped. */
  abort(id: string): void {
    this.#sinks.delete(id);
    this.engine.abort(id);
  }

  /** Stops stepping; pending requests get no more tokens. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #kick(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.#dueMs = performance.now();
    setImmediate(this.#tick);
  }

  readonly #tick = (): void => {
    this.#timer = null;
    if (this.#closed) return;
    if (!this.engine.hasWork()) {
      this.#running = false;
      return;
    }
    const result = this.engine.step();
    const now = performance.now();
    // Behind schedule (e.g. after an idle period or a slow event loop): restart the schedule from now.
    this.#dueMs = Math.max(this.#dueMs, now) + result.durationMs;
    const waitMs = this.#dueMs - now;
    if (waitMs < 1) {
      this.#deliver(result);
      setImmediate(this.#tick);
    } else {
      this.#timer = setTimeout(() => {
        this.#deliver(result);
        this.#tick();
      }, waitMs);
    }
  };

  #deliver(result: StepResult): void {
    if (this.#closed) return;
    const now = performance.now();
    for (const out of result.outputs) {
      if (this.#closed) return;
      const sink = this.#sinks.get(out.id);
      if (sink === undefined) continue;
      if (out.finishReason !== null) this.#sinks.delete(out.id);
      sink.onOutput(out, now);
    }
    this.#onStep(result);
  }
}
