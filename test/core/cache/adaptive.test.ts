import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadSmoother, adaptPolicy, pressureFrom } from '../../../src/core/cache/adaptive.js';
import { DEFAULT_CATEGORIES, DEFAULT_LOAD } from '../../../src/core/cache/defaults.js';
import { ManualClock } from '../../../src/core/clock.js';

const conversation = DEFAULT_CATEGORIES.conversation!;

describe('pressureFrom', () => {
  it('takes the worse of queue fill and lack of headroom, clamped to [0, 1]', () => {
    expect(pressureFrom({ queueDepth: 0, queueCapacity: 100, freeness: 1 })).toBe(0);
    expect(pressureFrom({ queueDepth: 50, queueCapacity: 100, freeness: 0.9 })).toBeCloseTo(0.5);
    expect(pressureFrom({ queueDepth: 0, queueCapacity: 100, freeness: 0.2 })).toBeCloseTo(0.8);
    expect(pressureFrom({ queueDepth: 500, queueCapacity: 100, freeness: 1 })).toBe(1);
    expect(pressureFrom({ queueDepth: 3, queueCapacity: 0, freeness: Number.NaN })).toBe(0);
  });
});

describe('adaptive threshold and TTL under load (manual clock)', () => {
  it('lowers the threshold only within thresholdDelta under sustained load, and returns after', () => {
    const clock = new ManualClock();
    const smoother = new LoadSmoother(DEFAULT_LOAD);
    const base = adaptPolicy('conversation', conversation, smoother.observe(0, clock.nowMs()));
    expect(base.similarity).toBe(conversation.similarity);
    expect(base.ttlSeconds).toBe(conversation.ttlSeconds);

    const seen: number[] = [];
    for (let i = 0; i < 60; i++) {
      clock.advance(500);
      const p = adaptPolicy('conversation', conversation, smoother.observe(1, clock.nowMs()));
      seen.push(p.similarity);
      expect(p.similarity).toBeGreaterThanOrEqual(
        conversation.similarity - conversation.adaptive.thresholdDelta - 1e-12,
      );
      expect(p.similarity).toBeGreaterThanOrEqual(conversation.adaptive.minSimilarity);
      expect(p.ttlSeconds).toBeLessThanOrEqual(conversation.ttlSeconds * conversation.adaptive.ttlFactor);
    }
    const loaded = adaptPolicy('conversation', conversation, smoother.level());
    expect(loaded.similarity).toBeCloseTo(conversation.similarity - conversation.adaptive.thresholdDelta, 6);
    expect(loaded.ttlSeconds).toBeCloseTo(conversation.ttlSeconds * conversation.adaptive.ttlFactor, 0);
    expect(loaded.adaptation).toBeCloseTo(1, 6);
    // monotone while pressure is held: no oscillation
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThanOrEqual(seen[i - 1]!);

    for (let i = 0; i < 200; i++) {
      clock.advance(500);
      smoother.observe(0, clock.nowMs());
    }
    const recovered = adaptPolicy('conversation', conversation, smoother.level());
    expect(recovered.similarity).toBe(conversation.similarity);
    expect(recovered.ttlSeconds).toBe(conversation.ttlSeconds);
    expect(smoother.isEngaged()).toBe(false);
  });

  it('is hysteretic: stays engaged between releaseAt and engageAt, and does not engage there from idle', () => {
    const clock = new ManualClock();
    const hot = new LoadSmoother(DEFAULT_LOAD);
    for (let i = 0; i < 100; i++) hot.observe(1, clock.nowMs() + i * 1000);
    expect(hot.isEngaged()).toBe(true);
    const mid = (DEFAULT_LOAD.engageAt + DEFAULT_LOAD.releaseAt) / 2;
    for (let i = 100; i < 400; i++) hot.observe(mid, i * 1000);
    expect(hot.isEngaged()).toBe(true);
    expect(hot.level()).toBeGreaterThan(0);

    const cold = new LoadSmoother(DEFAULT_LOAD);
    for (let i = 0; i < 400; i++) cold.observe(mid, i * 1000);
    expect(cold.isEngaged()).toBe(false);
    expect(cold.level()).toBe(0);
  });

  it('ignores a single spike thanks to smoothing', () => {
    const s = new LoadSmoother(DEFAULT_LOAD);
    s.observe(0, 0);
    expect(s.observe(1, 100)).toBe(0);
  });

  it('never leaves its bounds for any pressure sequence (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 2, noNaN: false }), fc.integer({ min: 0, max: 20_000 })), {
          maxLength: 80,
        }),
        (samples) => {
          const s = new LoadSmoother(DEFAULT_LOAD);
          let t = 0;
          for (const [p, dt] of samples) {
            t += dt;
            const level = s.observe(p, t);
            expect(level).toBeGreaterThanOrEqual(0);
            expect(level).toBeLessThanOrEqual(1);
            for (const [name, c] of Object.entries(DEFAULT_CATEGORIES)) {
              const e = adaptPolicy(name, c, level);
              expect(e.similarity).toBeLessThanOrEqual(c.similarity);
              expect(e.similarity).toBeGreaterThanOrEqual(
                Math.max(c.adaptive.minSimilarity, c.similarity - c.adaptive.thresholdDelta) - 1e-12,
              );
              expect(e.ttlSeconds).toBeGreaterThanOrEqual(c.ttlSeconds);
              expect(e.ttlSeconds).toBeLessThanOrEqual(c.ttlSeconds * c.adaptive.ttlFactor + 1e-9);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does nothing for a category with adaptation disabled', () => {
    const off = { ...conversation, adaptive: { ...conversation.adaptive, enabled: false } };
    expect(adaptPolicy('c', off, 1)).toEqual({
      category: 'c',
      similarity: off.similarity,
      ttlSeconds: off.ttlSeconds,
      adaptation: 0,
    });
  });

  it('never lowers below the floor even with a large delta', () => {
    const wide = { ...conversation, adaptive: { ...conversation.adaptive, thresholdDelta: 0.5, minSimilarity: 0.8 } };
    expect(adaptPolicy('c', wide, 1).similarity).toBe(0.8);
  });
});
