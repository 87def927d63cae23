/**
 * Property tests of the scheduler core against a fake cluster that follows every decision:
 * no request lost or duplicated, a cancelled request never dispatches, per-instance budgets hold,
 * the same events and seed give the same decision log, and aging bounds starvation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { asRequestId, type RequestId } from '../../../src/core/ids.js';
import { SeededRng } from '../../../src/core/rng.js';
import {
  createScheduler,
  type SchedulerObservation,
  type SchedulerOptions,
  type SchedulerPolicy,
} from '../../../src/core/scheduler/index.js';
import { FakeCluster } from './fake-cluster.js';
import { req } from './helpers.js';

type Op =
  | { k: 'arrive'; tenant: number; priority: number; prompt: number; out: number; preemptible: boolean }
  | { k: 'step'; n: number }
  | { k: 'cancel'; pick: number }
  | { k: 'kill'; inst: number }
  | { k: 'revive'; inst: number }
  | { k: 'drain'; inst: number; on: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('arrive' as const),
      tenant: fc.integer({ min: 0, max: 2 }),
      priority: fc.integer({ min: 0, max: 2 }),
      prompt: fc.integer({ min: 1, max: 400 }),
      out: fc.integer({ min: 1, max: 40 }),
      preemptible: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('step' as const), n: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('kill' as const), inst: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('revive' as const), inst: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('drain' as const), inst: fc.integer({ min: 0, max: 2 }), on: fc.boolean() }),
  },
);

const POLICIES: readonly SchedulerPolicy[] = ['rr', 'least-loaded', 'vtc', 'llumnix', 'fairway'];
const MAX_RUNNING = 4;
const CAPACITY = 1000;

interface RunResult {
  readonly log: string;
  readonly arrived: RequestId[];
  readonly done: Map<RequestId, string[]>;
  readonly budgetViolations: string[];
}

function run(policy: SchedulerPolicy, ops: readonly Op[], seed: number): RunResult {
  const clock = new ManualClock(0);
  const done = new Map<RequestId, string[]>();
  const observer = {
    observe: (o: SchedulerObservation) => {
      if (o.type === 'done') done.set(o.id, [...(done.get(o.id) ?? []), o.outcome]);
    },
  };
  const options: Partial<SchedulerOptions> = {
    policy,
    maxRunningPerInstance: MAX_RUNNING,
    tenantWeights: { t0: 1, t1: 2, t2: 4 },
    preemptGapTokens: 50,
    minRunQuantumMs: 3,
    migrationIntervalMs: 5,
    priorityAgingMs: 50,
    maxQueued: 64,
    maxQueuedPerTenant: 32,
  };
  const sched = createScheduler(options, { clock, rng: new SeededRng(seed), observer });
  const cluster = new FakeCluster(sched, clock, {
    instances: 3,
    capacityTokens: CAPACITY,
    maxRunning: MAX_RUNNING,
    stopDelaySteps: seed % 3, // aborts take 0, 1 or 2 steps to report `stopped`
  });
  const holding = policy !== 'rr' && policy !== 'least-loaded';
  const budgetViolations: string[] = [];
  cluster.onDispatch = (instance, residents, tokens) => {
    if (holding && residents > MAX_RUNNING) budgetViolations.push(`${instance}: ${residents} residents`);
    if (holding && tokens > CAPACITY) budgetViolations.push(`${instance}: ${tokens} tokens`);
  };
  const arrived: RequestId[] = [];
  let n = 0;
  for (const op of ops) {
    switch (op.k) {
      case 'arrive': {
        const r = req(`r${n++}`, {
          tenant: `t${op.tenant}`,
          priority: op.priority,
          promptTokens: op.prompt,
          maxTokens: op.out,
          preemptible: op.preemptible,
        });
        arrived.push(r.id);
        cluster.arrive(r);
        break;
      }
      case 'step':
        for (let i = 0; i < op.n; i++) cluster.step();
        break;
      case 'cancel': {
        const live = arrived.filter((id) => !cluster.doneIds.has(id));
        const victim = live[op.pick % Math.max(1, live.length)];
        if (victim !== undefined) cluster.cancel(victim);
        break;
      }
      case 'kill':
        cluster.kill(`i${op.inst}`);
        break;
      case 'revive':
        cluster.addInstance(`i${op.inst}`);
        break;
      case 'drain':
        cluster.send({ type: 'drain', instance: `i${op.inst}` as never, draining: op.on });
        break;
    }
  }
  // The mechanism keeps following decisions with every instance healthy until everything ends.
  for (let i = 0; i < 3; i++) {
    cluster.addInstance(`i${i}`);
    cluster.send({ type: 'drain', instance: `i${i}` as never, draining: false });
  }
  for (let s = 0; s < 20_000 && arrived.some((id) => !done.has(id)); s++) cluster.step();
  return { log: JSON.stringify(cluster.log), arrived, done, budgetViolations };
}

describe('scheduler properties', () => {
  it.each(POLICIES)('%s: every arrived request ends exactly once and budgets hold', (policy) => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 30, maxLength: 150 }), fc.nat(), (ops, seed) => {
        const r = run(policy, ops, seed);
        for (const id of r.arrived) expect(r.done.get(id), `request ${id}`).toHaveLength(1);
        expect([...r.done.keys()].sort()).toEqual([...r.arrived].sort());
        expect(r.budgetViolations).toEqual([]);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it.each(POLICIES)('%s: the same events and seed give the same decision log', (policy) => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 30, maxLength: 100 }), fc.nat(), (ops, seed) => {
        expect(run(policy, ops, seed).log).toBe(run(policy, ops, seed).log);
      }),
      { numRuns: 20, seed: 43 },
    );
  });
});

describe('no starvation under sustained high-priority load', () => {
  it.each(['vtc', 'llumnix', 'fairway'] as const)(
    '%s: a class-0 request waits behind only requests queued before t0 + (P + 1) * priorityAgingMs',
    (policy) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 5, max: 40 }),
          fc.integer({ min: 0, max: 30 }),
          (highClass, agingMs, t0) => {
            const clock = new ManualClock(0);
            const sched = createScheduler(
              {
                policy,
                priorityAgingMs: agingMs,
                maxRunningPerInstance: 1,
                maxQueued: 100_000,
                maxQueuedPerTenant: 100_000,
              },
              { clock, rng: new SeededRng(1) },
            );
            const cluster = new FakeCluster(sched, clock, { instances: 1, capacityTokens: 10_000, maxRunning: 1 });
            const arrivedAt = new Map<string, number>();
            let n = 0;
            const bound = t0 + (highClass + 1) * agingMs;
            let lowDispatchedAt = -1;
            for (let t = 0; t < 40 * bound && lowDispatchedAt < 0; t++) {
              // High-priority arrivals at 1 per ms against a service rate of 0.5 per ms: sustained overload.
              const id = `h${n++}`;
              arrivedAt.set(id, clock.nowMs());
              cluster.arrive(req(id, { tenant: 'high', priority: highClass, promptTokens: 10, maxTokens: 2 }));
              if (t === t0) {
                arrivedAt.set('low', clock.nowMs());
                cluster.arrive(req('low', { tenant: 'low', priority: 0, promptTokens: 10, maxTokens: 2 }));
              }
              cluster.step();
              const i = cluster.log.findIndex((d) => d.type === 'dispatch' && d.id === asRequestId('low'));
              if (i >= 0) {
                lowDispatchedAt = i;
                const before = cluster.log.slice(0, i).flatMap((d) => (d.type === 'dispatch' ? [d.id] : []));
                for (const id of before) expect(arrivedAt.get(id)).toBeLessThan(bound);
              }
            }
            expect(lowDispatchedAt).toBeGreaterThanOrEqual(0);
          },
        ),
        { numRuns: 40, seed: 44 },
      );
    },
  );
});
