import { describe, expect, it } from 'vitest';
import { asRequestId } from '../../../src/core/ids.js';
import type { SchedulerOptions } from '../../../src/core/scheduler/index.js';
import { dispatchTargets, harness, inst, req, type Harness } from './helpers.js';

const id = asRequestId;

describe('llumnix placement', () => {
  it('places by freeness (free KV per running request), not by KV usage', () => {
    const h = harness({ policy: 'llumnix' });
    h.up('i1', 10_000);
    h.up('i2', 10_000);
    h.snap('i1', 2, 0, 0.5); // (10000 - 5000) / 2 = 2500
    h.snap('i2', 4, 0, 0.2); // (10000 - 2000) / 4 = 2000
    expect(dispatchTargets(h.arrive(req('r1', { promptTokens: 10 })))).toEqual([['r1', 'i1']]);
  });
});

/** i1 runs r1 (300), r2 (200), r3 (100) at 90% KV; i2 comes up idle. */
function loaded(policy: SchedulerOptions['policy'], extra: Partial<SchedulerOptions> = {}): Harness {
  const h = harness({ policy, minRunQuantumMs: 500, migrationIntervalMs: 50, ...extra });
  h.up('i1', 1000);
  h.snap('i1', 0, 0, 0);
  for (const [r, p] of [
    ['r1', 300],
    ['r2', 200],
    ['r3', 100],
  ] as const) {
    expect(dispatchTargets(h.arrive(req(r, { promptTokens: p })))).toEqual([[r, 'i1']]);
    h.apply({ type: 'firstToken', id: id(r) });
  }
  h.up('i2', 1000);
  h.clock.advance(600);
  h.snap('i1', 3, 0, 0.9); // freeness (1000 - 900) / 3 = 33 < 48
  h.snap('i2', 0, 0, 0); // freeness 1000 > 192
  return h;
}

describe('migration (llumnix, fairway)', () => {
  it.each(['llumnix', 'fairway'] as const)(
    '%s moves the shortest running request off an overloaded instance',
    (policy) => {
      const h = loaded(policy);
      expect(h.sched.tick(h.clock.nowMs())).toEqual([
        { type: 'migrate', id: 'r3', from: 'i1', to: 'i2', reason: 'load' },
      ]);
      h.clock.advance(50);
      expect(h.sched.tick(h.clock.nowMs())).toEqual([]); // at most one migration in flight per instance
      h.apply({ type: 'tokens', id: id('r3'), n: 4 });
      expect(h.apply({ type: 'stopped', id: id('r3'), generatedTokens: 4 })).toEqual([
        { type: 'dispatch', id: 'r3', instance: 'i2', vllmPriority: 0, streamTokens: true, resume: true },
      ]);
      expect(h.observed.filter((o) => o.type === 'recompute')).toMatchObject([
        { id: 'r3', tokens: 104, sameInstance: false },
      ]);
    },
  );

  it('does not migrate before the run quantum, between intervals, or under policies without migration', () => {
    expect(loaded('llumnix', { minRunQuantumMs: 10_000 }).sched.tick(600)).toEqual([]);
    expect(loaded('vtc').sched.tick(600)).toEqual([]);
    const h = loaded('llumnix', { minRunQuantumMs: 620 });
    expect(h.sched.tick(600)).toEqual([]); // quantum not yet run; this check starts the interval
    expect(h.sched.tick(630)).toEqual([]); // quantum run, but the next check is due at 650
    expect(h.sched.tick(650)).toEqual([{ type: 'migrate', id: 'r3', from: 'i1', to: 'i2', reason: 'load' }]);
  });

  it('does not migrate when the recompute cost is not below the expected gain', () => {
    const h = harness({ policy: 'llumnix', minRunQuantumMs: 0 });
    h.up('i1', 1000);
    h.snap('i1', 0, 0, 0);
    h.arrive(req('r1', { promptTokens: 400 }));
    h.arrive(req('r2', { promptTokens: 400 }));
    h.up('i2', 1000);
    h.snap('i1', 2, 0, 0.95);
    h.snap('i2', 0, 0, 0);
    expect(h.sched.tick(0)).toEqual([]); // equal lengths: moving one costs as much as the average it saves
  });

  it('drain moves every running request off the instance and sends it no new work', () => {
    const h = loaded('llumnix');
    h.apply({ type: 'drain', instance: inst('i1'), draining: true });
    expect(h.sched.tick(h.clock.nowMs())).toEqual([
      { type: 'migrate', id: 'r3', from: 'i1', to: 'i2', reason: 'drain' },
      { type: 'migrate', id: 'r2', from: 'i1', to: 'i2', reason: 'drain' },
      { type: 'migrate', id: 'r1', from: 'i1', to: 'i2', reason: 'drain' },
    ]);
    expect(dispatchTargets(h.arrive(req('new', { promptTokens: 10 })))).toEqual([['new', 'i2']]);
  });

  it('re-queues the requests of a dead instance at the front, ahead of older queued work', () => {
    const h = harness({ policy: 'llumnix', maxRunningPerInstance: 1 });
    h.up('i1');
    h.up('i2');
    h.snap('i1', 0, 0, 0);
    h.snap('i2', 0, 0, 0);
    h.arrive(req('r1', { tenant: 'a' }));
    h.arrive(req('r2', { tenant: 'b' }));
    h.arrive(req('q1', { tenant: 'c' }));
    expect(h.apply({ type: 'instanceDown', instance: inst('i1') })).toEqual([]);
    expect(h.observed.filter((o) => o.type === 'requeue')).toEqual([
      { type: 'requeue', id: 'r1', tenant: 'a', reason: 'failure' },
    ]);
    expect(h.finishNext('r2', 'i2')).toEqual(['r1']);
  });
});

/** One instance with two slots, both taken by tenant a; tenant b waits. */
function contended(extra: Partial<SchedulerOptions> = {}, bPriority = 0): Harness {
  const h = harness({
    policy: 'fairway',
    maxRunningPerInstance: 2,
    preemptGapTokens: 100,
    minRunQuantumMs: 50,
    ...extra,
  });
  h.up('i1', 1000);
  h.snap('i1', 0, 0, 0);
  h.arrive(req('a1', { tenant: 'a', promptTokens: 100 }));
  h.arrive(req('a2', { tenant: 'a', promptTokens: 100 }));
  for (const r of ['a1', 'a2']) h.apply({ type: 'firstToken', id: id(r) });
  // b arrives while a is active: lifted to a's 200, so no credit is banked; then a streams on to 400.
  expect(h.arrive(req('b1', { tenant: 'b', promptTokens: 100, priority: bPriority }))).toEqual([]);
  h.apply({ type: 'tokens', id: id('a1'), n: 100 });
  return h;
}

describe('preemption (fairway)', () => {
  it('preempts the best gain/cost victim of a tenant far ahead, then resumes it as a continuation', () => {
    const h = contended();
    h.clock.advance(100);
    // Victims a1 (context 200) and a2 (100) both free enough room; a2 recomputes fewer tokens.
    expect(h.snap('i1', 2, 0, 0.3)).toEqual([{ type: 'preempt', id: 'a2', reason: 'fairness' }]);
    expect(h.snap('i1', 2, 0, 0.3)).toEqual([]); // one stop outstanding at a time
    // Own accounting corrects the lagging snapshot: the freed slot is used at once.
    expect(dispatchTargets(h.apply({ type: 'stopped', id: id('a2'), generatedTokens: 0 }))).toEqual([['b1', 'i1']]);
    expect(h.snap('i1', 2, 0, 0.3)).toEqual([]); // a2 (counter 400) waits: b's counter (300) is lower
    const queued = h.sched.snapshot().queued;
    expect(queued).toMatchObject([{ id: 'a2', continuation: true }]);
    expect(h.apply({ type: 'finished', id: id('a1') })).toEqual([
      { type: 'dispatch', id: 'a2', instance: 'i1', vllmPriority: 0, streamTokens: true, resume: true },
    ]);
    expect(h.observed.filter((o) => o.type === 'recompute')).toMatchObject([
      { id: 'a2', sameInstance: true, tokens: 4 },
    ]);
  });

  it('preempts a lower-priority request for a higher-priority one regardless of counters', () => {
    const h = contended({ preemptGapTokens: 1_000_000 }, 1);
    h.clock.advance(100);
    expect(h.snap('i1', 2, 0, 0.3)).toEqual([{ type: 'preempt', id: 'a2', reason: 'priority' }]);
  });

  it.each([
    { name: 'the counter gap is within preemptGapTokens', opts: { preemptGapTokens: 1000 } },
    { name: 'the victims have not run their quantum', opts: { minRunQuantumMs: 1000 } },
    { name: 'the per-request preemption cap is reached', opts: { maxPreemptionsPerRequest: 0 } },
    { name: 'the policy is vtc', opts: { policy: 'vtc' as const } },
  ])('does not preempt when $name', ({ opts }) => {
    const h = contended(opts);
    h.clock.advance(100);
    expect(h.snap('i1', 2, 0, 0.3)).toEqual([]);
  });

  it('never preempts a non-preemptible request', () => {
    const h = harness({ policy: 'fairway', maxRunningPerInstance: 1, preemptGapTokens: 10, minRunQuantumMs: 0 });
    h.up('i1', 1000);
    h.snap('i1', 0, 0, 0);
    h.arrive(req('a1', { tenant: 'a', promptTokens: 500, preemptible: false }));
    h.apply({ type: 'firstToken', id: id('a1') });
    h.arrive(req('b1', { tenant: 'b', promptTokens: 10 }));
    expect(h.snap('i1', 1, 0, 0.5)).toEqual([]);
  });

  it('lets a cancelled victim go without requeueing it', () => {
    const h = contended();
    h.clock.advance(100);
    h.snap('i1', 2, 0, 0.3);
    expect(dispatchTargets(h.apply({ type: 'cancelled', id: id('a2') }))).toEqual([['b1', 'i1']]);
    expect(h.apply({ type: 'stopped', id: id('a2'), generatedTokens: 0 })).toEqual([]);
    expect(h.sched.snapshot().queued).toEqual([]);
  });
});
