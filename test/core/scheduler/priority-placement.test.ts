import { describe, expect, it } from 'vitest';
import { dispatchTargets, harness, inst, req } from './helpers.js';

describe('fairway placement by priority standing', () => {
  it('sends an urgent request where the least unprefilled work is queued ahead, not to the freest instance', () => {
    const h = harness({ policy: 'fairway' });
    h.up('i1', 100_000);
    h.up('i2', 100_000);
    h.snap('i1', 0, 0, 0.5); // much KV in use, nothing pending
    h.snap('i2', 0, 0, 0);
    // A long prompt lands on the freest instance (i2) and sits there unprefilled.
    expect(dispatchTargets(h.arrive(req('lo1', { promptTokens: 6000 })))).toEqual([['lo1', inst('i2')]]);
    // An urgent request goes to i1: lower freeness, but no prefill ahead of it.
    expect(dispatchTargets(h.arrive(req('hi1', { priority: 1, promptTokens: 300 })))).toEqual([['hi1', inst('i1')]]);
  });

  it('lets an urgent request past the engine waiting bound only when vLLM sees its priority', () => {
    for (const [forwardVllmPriority, expected] of [
      [false, []],
      [true, [['hi1', inst('i1')]]],
    ] as const) {
      const h = harness({ policy: 'fairway', forwardVllmPriority, maxWaitingPerInstance: 1 });
      h.up('i1', 100_000);
      h.snap('i1', 4, 3, 0.2); // 3 waiting in vLLM: a holding policy keeps FCFS work back
      expect(dispatchTargets(h.arrive(req('hi1', { priority: 1, promptTokens: 300 })))).toEqual(expected);
    }
  });

  it('paces lower-class prefill while a higher class is active, and stops pacing when it goes quiet', () => {
    const h = harness({ policy: 'fairway', prefillPacingTokens: 2000, maxWaitingPerInstance: 100 });
    h.up('i1', 100_000);
    h.snap('i1', 0, 0, 0);
    expect(dispatchTargets(h.arrive(req('hi1', { priority: 1, promptTokens: 200 })))).toEqual([['hi1', inst('i1')]]);
    // 200 pending + 1500 fits the pace; another 1500 would not.
    expect(dispatchTargets(h.arrive(req('lo1', { promptTokens: 1500 })))).toEqual([['lo1', inst('i1')]]);
    expect(h.arrive(req('lo2', { tenant: 'b', promptTokens: 1500 }))).toEqual([]);
    // Once class 1 has been quiet for priorityAgingMs, lower classes are no longer paced.
    h.clock.advance(60_001);
    expect(dispatchTargets(h.snap('i1', 2, 0, 0))).toEqual([['lo2', inst('i1')]]);
  });

  it('does not pace when only one class is in use', () => {
    const h = harness({ policy: 'fairway', prefillPacingTokens: 2000, maxWaitingPerInstance: 100 });
    h.up('i1', 100_000);
    h.snap('i1', 0, 0, 0);
    for (const id of ['a1', 'a2', 'a3']) {
      expect(dispatchTargets(h.arrive(req(id, { promptTokens: 1500 })))).toEqual([[id, inst('i1')]]);
    }
  });
});
