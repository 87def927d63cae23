import { describe, expect, it } from 'vitest';
import { fairness, jainDemandCapped, serviceOverTime, vtcDifference, waterFill } from '../../src/replay/fairness.js';
import type { RequestRecord } from '../../src/replay/record.js';

describe('demand-capped Jain index', () => {
  it.each([
    // S = 12 split 6/6 (both want more than 6): x = [10/6, 2/6], J = 4 / (2 * 104/36) = 144/208.
    ['unequal service for equal backlog', [10, 2], [10, 20], [1, 1], 144 / 208],
    // The light client got all it asked for (2); the rest goes to the heavy one: x = [1, 1].
    ['a satisfied light client is not unfair', [2, 10], [2, 30], [1, 1], 1],
    // Weight 2 vs 1, both backlogged, service 20 : 10 is exactly weighted-fair.
    ['weighted service in proportion to weight', [20, 10], [100, 100], [2, 1], 1],
    ['a single active client', [5, 0], [5, 0], [1, 1], 1],
  ])('%s', (_name, service, demand, weights, expected) => {
    expect(jainDemandCapped(service, demand, weights)).toBeCloseTo(expected, 12);
  });

  it('is undefined (null) when nothing was served', () => {
    expect(jainDemandCapped([0, 0], [3, 4], [1, 1])).toBeNull();
  });

  it('water-fills by weight under caps', () => {
    expect(waterFill(12, [2, 30], [1, 1])).toEqual([2, 10]);
    expect(waterFill(30, [100, 100], [2, 1])).toEqual([20, 10]);
  });
});

describe('VTC service difference (sum variant)', () => {
  it.each([
    // best 10; client b: min(10 - 2, |20 - 2|) = 8.
    ['backlogged client behind', [10, 2], [10, 20], [1, 1], 8],
    // b got less than the best but everything it asked for: min(8, 0) = 0.
    ['satisfied client', [10, 2], [10, 2], [1, 1], 0],
    // Weight-normalized: 20/2 = 10/1.
    ['weighted equality', [20, 10], [100, 100], [2, 1], 0],
  ])('%s', (_name, service, demand, weights, expected) => {
    expect(vtcDifference(service, demand, weights)).toBe(expected);
  });
});

describe('windowed service', () => {
  const r: RequestRecord = {
    id: 'r',
    tenant: 'a',
    weight: 1,
    priority: 0,
    arrivalMs: 0,
    promptTokens: 30,
    outputTokens: 15,
    tokenTimesMs: [0, 60_000],
    finishMs: 60_000,
    ok: true,
    preemptions: 0,
    migrations: 0,
    recomputeTokens: 0,
  };

  it('spreads cost p + 2o = 60 uniformly over [first token, finish] in 60 s windows', () => {
    const s = serviceOverTime([r], { ticks: 3 });
    expect(s.ticksMs).toEqual([0, 30_000, 60_000]);
    // tick 0 sees half the interval: 60 * 0.5 / 60 s; tick 30 s all of it; tick 60 s half again.
    expect(s.service).toEqual([[0.5, 1, 0.5]]);
    // demand counts at arrival (0), inside [-30, 30) and [0, 60) but not [30, 90).
    expect(s.demand).toEqual([[1, 1, 0]]);
  });

  it('can exclude the warm-up and the drain from the ticks', () => {
    const late: RequestRecord = { ...r, id: 'late', arrivalMs: 40_000, tokenTimesMs: [41_000], finishMs: 90_000 };
    expect(serviceOverTime([r, late], { ticks: 3, warmupMs: 10_000, excludeDrain: true }).ticksMs).toEqual([
      10_000, 25_000, 40_000,
    ]);
  });

  it('averages Jain and VTC difference over ticks', () => {
    const b: RequestRecord = { ...r, id: 'b', tenant: 'b', ok: false, tokenTimesMs: [] };
    const f = fairness([r, b], { ticks: 3 });
    // b asked (demand 1/s at ticks 0 and 1) and got nothing: VTC diff per tick = min(s_a, d_b) = 0.5, 1, 0.
    expect(f.vtcDiff.max).toBe(1);
    expect(f.vtcDiff.avg).toBeCloseTo(0.5, 12);
    // Ticks 0 and 1: x = [2, 0] -> J = 0.5; tick 2: only a active -> 1.
    expect(f.jain).toBeCloseTo(2 / 3, 12);
  });
});
