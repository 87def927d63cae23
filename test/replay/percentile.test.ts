import { describe, expect, it } from 'vitest';
import { mean, nearestRank, sortedCopy } from '../../src/replay/percentile.js';

describe('nearest-rank percentiles', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
  it.each([
    [ten, 50, 5],
    [ten, 90, 9],
    [ten, 99, 10],
    [ten, 0, 1],
    [ten, 100, 10],
    [thousand, 99, 990],
    [thousand, 99.9, 999],
    [[7], 99.9, 7],
  ])('P(%#) of the sorted values', (values, p, expected) => {
    expect(nearestRank(values, p)).toBe(expected);
  });

  it('is null for no values', () => {
    expect(nearestRank([], 50)).toBeNull();
    expect(mean([])).toBeNull();
  });

  it('sorts numerically, not lexically', () => {
    expect(Array.from(sortedCopy([10, 9, 100, 1]))).toEqual([1, 9, 10, 100]);
  });
});
