import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOpenLoopSender } from '../../src/replay/open-loop-sender.js';
import type { SenderTimers } from '../../src/replay/open-loop-sender.js';

/** Fake timers: Date.now moves with vi.advanceTimersByTime. */
const timers: SenderTimers = {
  nowMs: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

describe('open-loop sender', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends each request at its absolute offset regardless of earlier ones still running', async () => {
    const sentAt: number[] = [];
    const sender = startOpenLoopSender({
      offsetsMs: [0, 10, 10, 250],
      timers,
      send: (i) => {
        sentAt[i] = Date.now() - 1_000_000;
        return new Promise((resolve) => setTimeout(resolve, 1000)); // slow responses do not delay sends
      },
    });
    await vi.advanceTimersByTimeAsync(2000);
    const result = await sender.done;
    expect(sentAt).toEqual([0, 10, 10, 250]);
    expect(result.lagsMs).toEqual([0, 0, 0, 0]);
    expect(result.sent).toBe(4);
  });

  it('arms one timer at a time (coalesced), not one per request', async () => {
    const spy = vi.spyOn(timers, 'setTimer');
    const sender = startOpenLoopSender({ offsetsMs: [5, 5, 5, 5, 20], timers, send: () => Promise.resolve() });
    await vi.advanceTimersByTimeAsync(100);
    await sender.done;
    expect(spy.mock.calls.length).toBe(2); // one for t = 5 (four sends), one for t = 20
    spy.mockRestore();
  });

  it('holds sends at the concurrency cap and records the resulting lag', async () => {
    const sender = startOpenLoopSender({
      offsetsMs: [0, 0, 0],
      concurrencyCap: 1,
      timers,
      send: () => new Promise((resolve) => setTimeout(resolve, 40)),
    });
    await vi.advanceTimersByTimeAsync(200);
    expect((await sender.done).lagsMs).toEqual([0, 40, 80]);
  });

  it('stops at the duration and at maxRequests by itself', async () => {
    const a = startOpenLoopSender({
      offsetsMs: [0, 100, 200, 300],
      durationMs: 250,
      timers,
      send: () => Promise.resolve(),
    });
    const b = startOpenLoopSender({
      offsetsMs: [0, 100, 200, 300],
      maxRequests: 2,
      timers,
      send: () => Promise.resolve(),
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await a.done).toMatchObject({ sent: 3, notSent: 1 });
    expect(await b.done).toMatchObject({ sent: 2, notSent: 2 });
  });

  it('stop() ends sending and resolves once in-flight requests finish', async () => {
    const sender = startOpenLoopSender({
      offsetsMs: [0, 1000],
      timers,
      send: () => new Promise((resolve) => setTimeout(resolve, 50)),
    });
    await vi.advanceTimersByTimeAsync(10);
    sender.stop();
    await vi.advanceTimersByTimeAsync(100);
    expect(await sender.done).toMatchObject({ sent: 1, notSent: 1 });
  });
});
