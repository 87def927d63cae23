import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UseEmbedder } from '../../../src/cache/embedders/use-embedder.js';
import { isFairwayError } from '../../../src/errors.js';
import { embedderSuite } from '../../conformance/embedder.suite.js';

// The model loads once for this file (one worker thread, warmed up in beforeAll).
let embedder: UseEmbedder;
beforeAll(async () => {
  embedder = new UseEmbedder({ maxThreads: 1, maxQueue: 16, batch: { windowMs: 5, maxBatchTexts: 32 } });
  await embedder.warmUp();
}, 60_000);
afterAll(async () => {
  await embedder.close();
});

embedderSuite('use', () => embedder, { batchTolerance: 1e-4 });

describe('use embedder pool', () => {
  it('has 512 dimensions', () => {
    expect(embedder.dims).toBe(512);
  });

  it('micro-batches concurrent requests into fewer pool tasks', async () => {
    const before = embedder.batches;
    const texts = Array.from({ length: 12 }, (_, i) => `concurrent question number ${i}`);
    const results = await Promise.all(texts.map((t) => embedder.embed([t])));
    expect(results.every((r) => r.length === 1 && r[0]!.length === 512)).toBe(true);
    expect(embedder.batches - before).toBeLessThan(texts.length);
    // Rows go back to the right caller.
    const [alone] = await embedder.embed([texts[7]!]);
    let maxDiff = 0;
    for (let d = 0; d < 512; d++) maxDiff = Math.max(maxDiff, Math.abs(alone![d]! - results[7]![0]![d]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('refuses work beyond its bounded queue with FW_ERR_CACHE_OVERLOADED', async () => {
    const tiny = new UseEmbedder({
      maxThreads: 1,
      maxQueue: 1,
      batch: { windowMs: 1, maxBatchTexts: 1, maxPendingTexts: 64 },
    });
    try {
      const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => tiny.embed([`overflow ${i}`])));
      const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.every((r) => isFairwayError(r.reason) && r.reason.code === 'FW_ERR_CACHE_OVERLOADED')).toBe(true);
      expect(settled.some((s) => s.status === 'fulfilled')).toBe(true);
    } finally {
      await tiny.close();
    }
  });
});
