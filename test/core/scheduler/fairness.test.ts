/**
 * Service shares on a deterministic fake cluster (4 instances, 8 slots each, one token per step):
 * closed-loop tenants keep a fixed number of requests outstanding, so demand ratios are exact.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { asRequestId, asTenantId } from '../../../src/core/ids.js';
import type { SchedulerObservation } from '../../../src/core/scheduler/index.js';
import { SeededRng } from '../../../src/core/rng.js';
import { createScheduler, type SchedulerPolicy } from '../../../src/core/scheduler/index.js';
import { FakeCluster } from './fake-cluster.js';
import { req } from './helpers.js';

interface TenantLoad {
  readonly name: string;
  readonly weight: number;
  /** Requests kept outstanding (queued or running): the tenant's demand. */
  readonly outstanding: number;
}

const WARMUP_STEPS = 300;
const MEASURE_STEPS = 3000;

/** Weighted service per tenant over the measurement window. */
export function measureService(policy: SchedulerPolicy, tenants: readonly TenantLoad[]): Map<string, number> {
  const clock = new ManualClock(0);
  const sched = createScheduler(
    {
      policy,
      tenantWeights: Object.fromEntries(tenants.map((t) => [t.name, t.weight])),
      maxRunningPerInstance: 8,
      maxQueuedPerTenant: 1000,
    },
    { clock, rng: new SeededRng(7) },
  );
  const cluster = new FakeCluster(sched, clock, { instances: 4, capacityTokens: 2048, maxRunning: 8 });
  let n = 0;
  const submit = (tenant: string): void => {
    cluster.arrive(req(`r${n++}`, { tenant, promptTokens: 32, maxTokens: 32 }));
  };
  cluster.onFinished = (r) => submit(r.tenant);
  for (const t of tenants) for (let i = 0; i < t.outstanding; i++) submit(t.name);
  for (let s = 0; s < WARMUP_STEPS; s++) cluster.step();
  const before = new Map(tenants.map((t) => [t.name, cluster.service.get(asTenantId(t.name)) ?? 0]));
  for (let s = 0; s < MEASURE_STEPS; s++) cluster.step();
  return new Map(
    tenants.map((t) => [t.name, (cluster.service.get(asTenantId(t.name)) ?? 0) - (before.get(t.name) ?? 0)]),
  );
}

function ratios(service: Map<string, number>, base: string): Record<string, number> {
  const b = service.get(base) ?? NaN;
  return Object.fromEntries([...service].map(([k, v]) => [k, v / b]));
}

describe('fairness on a fake cluster (two tenants, 4x demand difference)', () => {
  const two = (wa: number, wb: number): TenantLoad[] => [
    { name: 'heavy', weight: wa, outstanding: 160 },
    { name: 'light', weight: wb, outstanding: 40 },
  ];

  it.each(['vtc', 'fairway'] as const)('%s gives weights 1:1 a service ratio of 1.00 +/- 0.05', (policy) => {
    const r = ratios(measureService(policy, two(1, 1)), 'light');
    console.log(`${policy} 1:1 heavy/light service ratio = ${r.heavy?.toFixed(3)}`);
    expect(r.heavy).toBeGreaterThanOrEqual(0.95);
    expect(r.heavy).toBeLessThanOrEqual(1.05);
  });

  it.each(['vtc', 'fairway'] as const)('%s gives weights 3:1 a service ratio of 3.0 +/- 0.15', (policy) => {
    const r = ratios(measureService(policy, two(3, 1)), 'light');
    console.log(`${policy} 3:1 heavy/light service ratio = ${r.heavy?.toFixed(3)}`);
    expect(r.heavy).toBeGreaterThanOrEqual(2.85);
    expect(r.heavy).toBeLessThanOrEqual(3.15);
  });

  it.each(['least-loaded', 'rr', 'llumnix'] as const)('%s (FCFS) splits service by demand, about 4:1', (policy) => {
    const r = ratios(measureService(policy, two(1, 1)), 'light');
    console.log(`${policy} 1:1 heavy/light service ratio = ${r.heavy?.toFixed(3)}`);
    expect(r.heavy).toBeGreaterThanOrEqual(3.5);
    expect(r.heavy).toBeLessThanOrEqual(4.5);
  });
});

describe('fairness on a fake cluster (three tenants, weights 1:2:4, demand 4:2:1)', () => {
  const three: TenantLoad[] = [
    { name: 't1', weight: 1, outstanding: 160 },
    { name: 't2', weight: 2, outstanding: 80 },
    { name: 't4', weight: 4, outstanding: 40 },
  ];

  it.each(['vtc', 'fairway'] as const)('%s splits service 1:2:4 within 5%%', (policy) => {
    const r = ratios(measureService(policy, three), 't1');
    console.log(`${policy} 1:2:4 service ratios t2/t1 = ${r.t2?.toFixed(3)}, t4/t1 = ${r.t4?.toFixed(3)}`);
    expect(r.t2).toBeGreaterThanOrEqual(2 * 0.95);
    expect(r.t2).toBeLessThanOrEqual(2 * 1.05);
    expect(r.t4).toBeGreaterThanOrEqual(4 * 0.95);
    expect(r.t4).toBeLessThanOrEqual(4 * 1.05);
  });

  it('least-loaded (FCFS) splits service by demand, about 4:2:1', () => {
    const r = ratios(measureService('least-loaded', three), 't4');
    console.log(`least-loaded 1:2:4 weights, service ratios t1/t4 = ${r.t1?.toFixed(3)}, t2/t4 = ${r.t2?.toFixed(3)}`);
    expect(r.t1).toBeGreaterThan(3.5);
    expect(r.t1).toBeLessThan(4.5);
    expect(r.t2).toBeGreaterThan(1.75);
    expect(r.t2).toBeLessThan(2.25);
  });
});

describe("preemption bounds a newcomer's wait behind long requests (fake cluster, 1 instance, 4 slots)", () => {
  function newcomerWait(policy: 'vtc' | 'fairway'): { waitMs: number; recompute: number; finished: number } {
    const clock = new ManualClock(0);
    const observed: SchedulerObservation[] = [];
    const sched = createScheduler(
      { policy, maxRunningPerInstance: 4, preemptGapTokens: 500, minRunQuantumMs: 50 },
      { clock, rng: new SeededRng(3), observer: { observe: (o) => observed.push(o) } },
    );
    const cluster = new FakeCluster(sched, clock, { instances: 1, capacityTokens: 20_000, maxRunning: 4 });
    for (let i = 0; i < 4; i++) cluster.arrive(req(`long${i}`, { tenant: 'a', promptTokens: 32, maxTokens: 2000 }));
    for (let t = 0; t < 100; t++) cluster.step();
    cluster.arrive(req('short', { tenant: 'b', promptTokens: 32, maxTokens: 50 }));
    const arrivedAt = clock.nowMs();
    let waitMs = -1;
    for (let t = 0; t < 5000; t++) {
      cluster.step();
      if (waitMs < 0 && cluster.dispatchedIds.has(asRequestId('short'))) waitMs = clock.nowMs() - arrivedAt;
    }
    const recompute = observed.reduce((s, o) => s + (o.type === 'recompute' ? o.tokens : 0), 0);
    return { waitMs, recompute, finished: cluster.doneIds.size };
  }

  it('vtc makes the newcomer wait for a long request to finish; fairway preempts one and resumes it', () => {
    const vtc = newcomerWait('vtc');
    const fairway = newcomerWait('fairway');
    console.log(
      `newcomer wait: vtc ${vtc.waitMs} ms, fairway ${fairway.waitMs} ms (recompute ${fairway.recompute} tokens)`,
    );
    expect(vtc.waitMs).toBeGreaterThanOrEqual(1900);
    // b starts at a's counter (a is active); a's 4 streams add 8 per ms, so the 500 gap opens after ~63 ms.
    expect(fairway.waitMs).toBeLessThanOrEqual(70);
    expect(fairway.finished).toBe(5); // the preempted request resumed and finished too
    expect(fairway.recompute).toBeGreaterThan(0);
  });
});
