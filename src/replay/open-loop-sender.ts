/**
 * Open-loop sender: fires each request at its absolute send time (start + offset), independent of how
 * earlier requests fare, with ONE coalesced timer armed for the earliest due send. Records each send's
 * lag (actual - scheduled). Bounded by a count, a duration and a concurrency cap; time and timers are
 * injected so tests drive it with fake timers.
 */

export interface SenderTimers {
  nowMs(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface OpenLoopSenderOptions {
  /** Send offsets in ms from the start, ascending. */
  readonly offsetsMs: readonly number[];
  /** Stop sending offsets at or after this (ms from start). */
  readonly durationMs?: number;
  readonly maxRequests?: number;
  /** At most this many requests in flight; further sends wait (and their lag grows). */
  readonly concurrencyCap?: number;
  readonly timers: SenderTimers;
  /** Sends request i; resolve when it is finished (never reject). */
  send(index: number, lagMs: number): Promise<void>;
}

export interface SenderResult {
  readonly sent: number;
  readonly notSent: number;
  /** lagsMs[k] is the lag of the k-th send, in send order. */
  readonly lagsMs: readonly number[];
}

export interface OpenLoopSender {
  /** Resolves when every sent request finished or the sender was stopped and in-flight ones finished. */
  readonly done: Promise<SenderResult>;
  /** Stops sending further requests (in-flight requests continue). */
  stop(): void;
  inFlight(): number;
}

export function startOpenLoopSender(options: OpenLoopSenderOptions): OpenLoopSender {
  const { timers, offsetsMs } = options;
  const limit = Math.min(offsetsMs.length, options.maxRequests ?? Infinity);
  const durationMs = options.durationMs ?? Infinity;
  const cap = options.concurrencyCap ?? Infinity;
  const startMs = timers.nowMs();
  const lagsMs: number[] = [];
  let next = 0;
  let inFlight = 0;
  let stopped = false;
  let timer: unknown = null;
  let resolveDone: (r: SenderResult) => void = () => undefined;
  const done = new Promise<SenderResult>((resolve) => {
    resolveDone = resolve;
  });

  const finishIfIdle = (): void => {
    if (inFlight === 0 && (stopped || next >= limit)) {
      if (timer !== null) timers.clearTimer(timer);
      timer = null;
      resolveDone({ sent: lagsMs.length, notSent: offsetsMs.length - lagsMs.length, lagsMs });
    }
  };

  const pump = (): void => {
    timer = null;
    while (!stopped && next < limit && inFlight < cap) {
      const due = offsetsMs[next]!;
      const now = timers.nowMs() - startMs;
      if (due >= durationMs) {
        stopped = true;
        break;
      }
      if (due > now) break;
      const index = next++;
      const lag = now - due;
      lagsMs.push(lag);
      inFlight++;
      // send() is specified never to reject; a rejection is still absorbed so accounting stays right.
      void options
        .send(index, lag)
        .catch(() => undefined)
        .finally(() => {
          inFlight--;
          // A freed slot may unblock a capped send that is already due.
          if (timer === null) pump();
          else finishIfIdle();
        });
    }
    if (!stopped && next < limit && inFlight < cap && timer === null) {
      const due = offsetsMs[next]!;
      if (due < durationMs) {
        timer = timers.setTimer(pump, Math.max(0, due - (timers.nowMs() - startMs)));
        return;
      }
      stopped = true;
    }
    finishIfIdle();
  };

  pump();
  return {
    done,
    stop(): void {
      stopped = true;
      if (timer !== null) timers.clearTimer(timer);
      timer = null;
      finishIfIdle();
    },
    inFlight: () => inFlight,
  };
}
