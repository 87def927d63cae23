import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../../src/core/engine/engine.js';
import type { SchedulingPolicy } from '../../../src/core/engine/types.js';

interface Job {
  readonly promptLen: number;
  readonly maxTokens: number;
  readonly priority: number;
  readonly abortAtStep: number | null;
}

function run(jobs: readonly Job[], opts: { kvTokens: number; budget: number; seqs: number; policy: SchedulingPolicy }) {
  const engine = new Engine({
    preset: 'zero-cost',
    kvTokens: opts.kvTokens,
    maxNumBatchedTokens: opts.budget,
    maxNumSeqs: opts.seqs,
    policy: opts.policy,
  });
  jobs.forEach((j, i) =>
    engine.add({
      id: `r${i}`,
      promptTokenIds: Array.from({ length: j.promptLen }, (_, t) => 300 + ((t * 13 + i * 97) % 20_000)),
      maxTokens: j.maxTokens,
      priority: j.priority,
      ignoreEos: true,
    }),
  );
  const outputs = new Map<string, number[]>();
  const finished = new Set<string>();
  let steps = 0;
  while (engine.hasWork()) {
    steps++;
    if (steps > 200_000) throw new Error('engine did not drain');
    jobs.forEach((j, i) => {
      if (j.abortAtStep === steps && !finished.has(`r${i}`)) {
        engine.abort(`r${i}`);
        finished.add(`r${i}`);
      }
    });
    const r = engine.step();
    const total = r.scheduled.reduce((n, c) => n + c.numTokens, 0);
    expect(total).toBeLessThanOrEqual(opts.budget);
    const s = engine.stats();
    expect(s.running).toBeLessThanOrEqual(opts.seqs);
    expect(s.usedBlocks).toBeLessThanOrEqual(s.totalBlocks);
    for (const o of r.outputs) {
      expect(finished.has(o.id)).toBe(false);
      const list = outputs.get(o.id) ?? [];
      list.push(o.tokenId);
      outputs.set(o.id, list);
      if (o.finishReason !== null) finished.add(o.id);
    }
  }
  expect(engine.stats().usedBlocks).toBe(0);
  return { outputs, preemptions: engine.stats().counters.preemptions };
}

describe('engine invariants under random load', () => {
  it('never exceeds budget, seq cap or KV, loses no request, and preemption never changes greedy output', () => {
    let preemptions = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            promptLen: fc.integer({ min: 1, max: 300 }),
            maxTokens: fc.integer({ min: 1, max: 120 }),
            priority: fc.integer({ min: -2, max: 2 }),
            abortAtStep: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.integer({ min: 27, max: 80 }),
        fc.integer({ min: 16, max: 1024 }),
        fc.integer({ min: 1, max: 16 }),
        fc.constantFrom<SchedulingPolicy>('fcfs', 'priority'),
        (jobs, kvBlocks, budget, seqs, policy) => {
          const tight = run(jobs, { kvTokens: kvBlocks * 16, budget, seqs, policy });
          preemptions += tight.preemptions;
          const roomy = run(
            jobs.map((j) => ({ ...j, abortAtStep: null })),
            { kvTokens: 1 << 20, budget: 8192, seqs: 256, policy },
          );
          jobs.forEach((j, i) => {
            const got = tight.outputs.get(`r${i}`) ?? [];
            const want = roomy.outputs.get(`r${i}`) ?? [];
            expect(want).toHaveLength(j.maxTokens);
            if (j.abortAtStep === null) expect(got).toEqual(want);
            else expect(got).toEqual(want.slice(0, got.length));
          });
        },
      ),
      { numRuns: 60 },
    );
    expect(preemptions).toBeGreaterThan(0);
  });
});
