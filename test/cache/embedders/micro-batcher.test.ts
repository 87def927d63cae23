import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from '../../../src/cache/embedders/micro-batcher.js';
import { isFairwayError } from '../../../src/errors.js';

const fakeRun =
  (calls: string[][]) =>
  (texts: string[]): Promise<Float32Array[]> => {
    calls.push(texts);
    return Promise.resolve(texts.map((t) => Float32Array.of(t.length)));
  };

describe('MicroBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces requests arriving within the window into one batch', async () => {
    const calls: string[][] = [];
    const b = new MicroBatcher({ windowMs: 5, maxBatchTexts: 10, maxPendingTexts: 100 }, fakeRun(calls));
    const p1 = b.submit(['a']);
    const p2 = b.submit(['bb', 'ccc']);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls).toEqual([['a', 'bb', 'ccc']]);
    expect((await p1).map((v) => v[0])).toEqual([1]);
    expect((await p2).map((v) => v[0])).toEqual([2, 3]);
  });

  it('dispatches at once when the batch is full, without waiting for the window', async () => {
    const calls: string[][] = [];
    const b = new MicroBatcher({ windowMs: 1_000, maxBatchTexts: 3, maxPendingTexts: 100 }, fakeRun(calls));
    const p = Promise.all([b.submit(['a']), b.submit(['b']), b.submit(['c'])]);
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect((await p).flat().map((v) => v[0])).toEqual([1, 1, 1]);
  });

  it('fails fast with FW_ERR_CACHE_OVERLOADED beyond maxPendingTexts', async () => {
    const b = new MicroBatcher({ windowMs: 5, maxBatchTexts: 100, maxPendingTexts: 2 }, fakeRun([]));
    const ok = b.submit(['a', 'b']);
    await expect(b.submit(['c'])).rejects.toSatisfy(
      (e: unknown) => isFairwayError(e) && e.code === 'FW_ERR_CACHE_OVERLOADED',
    );
    await vi.advanceTimersByTimeAsync(5);
    expect(await ok).toHaveLength(2);
  });

  it('rejects every caller of a failed batch', async () => {
    const b = new MicroBatcher({ windowMs: 1, maxBatchTexts: 10, maxPendingTexts: 10 }, () =>
      Promise.reject(new Error('boom')),
    );
    const p1 = b.submit(['a']);
    const p2 = b.submit(['b']);
    const settled = Promise.allSettled([p1, p2]);
    await vi.advanceTimersByTimeAsync(1);
    expect((await settled).map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});
