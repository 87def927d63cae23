import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/cache/min-heap.js';

describe('MinHeap', () => {
  it('pops values in ascending key order for any sequence of pushes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 200 }), (keys) => {
        const heap = new MinHeap();
        keys.forEach((k, i) => heap.push(k, i));
        const popped: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(keys[v]!);
        expect(popped).toEqual([...keys].sort((a, b) => a - b));
        expect(heap.size).toBe(0);
      }),
    );
  });

  it('peeks the smallest key without removing it', () => {
    const heap = new MinHeap();
    heap.push(5, 1);
    heap.push(2, 2);
    expect(heap.peekKey()).toBe(2);
    expect(heap.size).toBe(2);
  });
});
