import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/sim/cluster/event-queue.js';
import { SeededRng } from '../../../src/core/rng.js';

describe('EventQueue', () => {
  it('pops events in time order and same-time events in insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(1, 'b');
    q.push(3, 'x');
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['a', 'b', 'x', 'c', 'd', undefined]);
  });

  it('matches a stable sort on random input', () => {
    const rng = new SeededRng(3);
    const q = new EventQueue<number>();
    const items: Array<[number, number]> = [];
    for (let i = 0; i < 2000; i++) {
      const t = rng.int(50);
      items.push([t, i]);
      q.push(t, i);
    }
    const expected = items.sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    const got: number[] = [];
    while (q.size > 0) got.push(q.pop()!);
    expect(got).toEqual(expected);
    expect(q.peekTimeMs()).toBe(Infinity);
  });
});
