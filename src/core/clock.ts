/**
 * Time as an injected dependency. Core code reads `clock.nowMs()` and never the wall clock, so the
 * same policy runs in real time (gateway, HTTP simulator) and virtual time (cluster simulator, tests).
 */
export interface Clock {
  /** Milliseconds on this clock's timeline; monotonic, not necessarily epoch-based. */
  nowMs(): number;
}

/** A clock that moves only when told to. Drives unit tests, the cluster simulator and virtual-time replay. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Moves time forward by `ms` (never backwards). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    this.#nowMs += ms;
  }

  /** Sets the time to `ms`, which must not be in the past. */
  set(ms: number): void {
    if (!(ms >= this.#nowMs)) throw new RangeError(`ManualClock.set: ${ms} is before now (${this.#nowMs})`);
    this.#nowMs = ms;
  }
}
