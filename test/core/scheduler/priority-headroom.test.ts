import { describe, expect, it } from 'vitest';
import { dispatchTargets, harness, req } from './helpers.js';

describe('priority headroom', () => {
  it('holds lower classes below kvHighWater - priorityHeadroom while a higher class is active', () => {
    const h = harness({ policy: 'vtc', kvHighWater: 1, priorityHeadroom: 0.1 });
    h.up('i1', 10_000);
    h.snap('i1', 1, 0, 0.8); // 8000 tokens in use
    expect(dispatchTargets(h.arrive(req('hi1', { priority: 1, promptTokens: 500 })))).toEqual([['hi1', 'i1']]);
    // 8000 + 500 pending + 600 = 9100 > 9000: kept back for higher classes.
    expect(h.arrive(req('lo1', { tenant: 'b', promptTokens: 600 }))).toEqual([]);
    // A class-1 request may use the reserve (9100 <= 10000).
    expect(dispatchTargets(h.arrive(req('hi2', { priority: 1, promptTokens: 600 })))).toEqual([['hi2', 'i1']]);
    // Once no higher class has arrived for priorityAgingMs, the reserve is released.
    h.clock.advance(60_001);
    expect(dispatchTargets(h.snap('i1', 1, 0, 0.8))).toEqual([['lo1', 'i1']]);
  });

  it('reserves nothing when only one class is in use', () => {
    const h = harness({ policy: 'vtc', kvHighWater: 1, priorityHeadroom: 0.1 });
    h.up('i1', 10_000);
    h.snap('i1', 1, 0, 0.8);
    expect(dispatchTargets(h.arrive(req('a1', { promptTokens: 500 })))).toEqual([['a1', 'i1']]);
    expect(dispatchTargets(h.arrive(req('a2', { tenant: 'b', promptTokens: 600 })))).toEqual([['a2', 'i1']]);
  });
});
