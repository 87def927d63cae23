import { describe, expect, it } from 'vitest';
import { asRequestId } from '../../../src/core/ids.js';
import type { SchedulerOptions } from '../../../src/core/scheduler/index.js';
import { dispatchTargets, harness, inst, req } from './helpers.js';

const id = asRequestId;

describe('vtc charging', () => {
  it('charges wIn*prompt/weight at the first dispatch, wOut/weight per token, and nothing on resume', () => {
    const h = harness({ policy: 'vtc', tenantWeights: { a: 2 } });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    expect(dispatchTargets(h.arrive(req('r1', { promptTokens: 100 })))).toEqual([['r1', 'i1']]);
    h.apply({ type: 'tokens', id: id('r1'), n: 10 });
    h.up('i2');
    h.snap('i2', 0, 0, 0);
    expect(h.apply({ type: 'instanceDown', instance: inst('i1') })).toEqual([
      { type: 'dispatch', id: 'r1', instance: 'i2', vllmPriority: 0, streamTokens: true, resume: true },
    ]);
    const charges = h.observed.filter((o) => o.type === 'charge');
    expect(charges).toEqual([
      { type: 'charge', tenant: 'a', kind: 'prompt', tokens: 100, amount: 50, counter: 50 },
      { type: 'charge', tenant: 'a', kind: 'output', tokens: 10, amount: 10, counter: 60 },
    ]);
    expect(h.observed.filter((o) => o.type === 'recompute')).toEqual([
      { type: 'recompute', id: 'r1', tenant: 'a', instance: 'i2', tokens: 110, sameInstance: false },
    ]);
    expect(h.sched.snapshot().tenants).toEqual([{ tenant: 'a', weight: 2, counter: 60, queued: 0, inFlight: 1 }]);
  });

  it('lifts a newly active tenant to the smallest backlogged counter and breaks ties by arrival', () => {
    const h = harness({ policy: 'vtc', maxRunningPerInstance: 1 });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    h.arrive(req('a1', { tenant: 'a', promptTokens: 100 }));
    h.arrive(req('a2', { tenant: 'a', promptTokens: 100 }));
    h.arrive(req('a3', { tenant: 'a', promptTokens: 100 }));
    h.apply({ type: 'tokens', id: id('a1'), n: 50 });
    h.arrive(req('b1', { tenant: 'b', promptTokens: 100 }));
    expect(h.observed.filter((o) => o.type === 'lift')).toEqual([{ type: 'lift', tenant: 'b', from: 0, to: 200 }]);
    const order: string[] = [];
    let running = 'a1';
    for (let i = 0; i < 3; i++) {
      const next = h.finishNext(running);
      order.push(...next);
      running = next[0] ?? 'none';
    }
    // a=200, b=200: tie -> earlier arrival a2; then a=300 > b=200 -> b1; then a3.
    expect(order).toEqual(['a2', 'b1', 'a3']);
  });

  it('picks the tenant with the smallest counter, FIFO within a tenant', () => {
    const h = harness({ policy: 'vtc', maxRunningPerInstance: 1, tenantWeights: { b: 4 } });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    h.arrive(req('a1', { tenant: 'a', promptTokens: 400 }));
    for (const r of ['a2', 'a3']) h.arrive(req(r, { tenant: 'a', promptTokens: 400 }));
    for (const r of ['b1', 'b2', 'b3']) h.arrive(req(r, { tenant: 'b', promptTokens: 400 }));
    const order: string[] = [];
    let running = 'a1';
    for (let i = 0; i < 5; i++) {
      const next = h.finishNext(running);
      order.push(...next);
      running = next[0] ?? 'none';
    }
    // a: 400 per request; b (weight 4): 100 per request, lifted to a's 400 on activation. At the 400 tie the
    // earlier arrival a2 goes first (a = 800), then b catches up 500, 600, 700 before a3.
    expect(order).toEqual(['a2', 'b1', 'b2', 'b3', 'a3']);
  });
});

describe('activation lift', () => {
  it('lifts a returning tenant to the counter of a tenant that is running, not only of queued ones', () => {
    const h = harness({ policy: 'vtc' });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    h.arrive(req('a1', { tenant: 'a', promptTokens: 100 }));
    h.apply({ type: 'tokens', id: id('a1'), n: 450 }); // a = 1000, nothing of a queued
    h.snap('i1', 1, 5, 0.5); // saturated: b has to queue
    expect(h.arrive(req('b1', { tenant: 'b', promptTokens: 100 }))).toEqual([]);
    expect(h.observed.filter((o) => o.type === 'lift')).toEqual([{ type: 'lift', tenant: 'b', from: 0, to: 1000 }]);
  });

  it('leaves the counter alone when no other tenant is active', () => {
    const h = harness({ policy: 'vtc' });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    h.arrive(req('a1', { tenant: 'a', promptTokens: 100 }));
    h.apply({ type: 'finished', id: id('a1') });
    h.arrive(req('b1', { tenant: 'b', promptTokens: 100 }));
    expect(h.observed.filter((o) => o.type === 'lift')).toEqual([]);
    expect(h.sched.snapshot().tenants.map((t) => [t.tenant, t.counter])).toEqual([
      ['a', 100],
      ['b', 100],
    ]);
  });
});

describe('holding (gateway-held queue)', () => {
  const base: Partial<SchedulerOptions> = {
    policy: 'vtc',
    maxWaitingPerInstance: 1,
    kvHighWater: 0.9,
    maxRunningPerInstance: 4,
    staleMetricsMs: 200,
  };
  it.each([
    {
      name: 'holds while the instance has more waiting than maxWaitingPerInstance',
      running: 1,
      waiting: 2,
      kv: 0.1,
      held: true,
    },
    { name: 'dispatches at exactly maxWaitingPerInstance waiting', running: 1, waiting: 1, kv: 0.1, held: false },
    { name: 'holds when projected KV would pass the high-water mark', running: 1, waiting: 0, kv: 0.85, held: true },
    { name: 'dispatches when projected KV stays at the high-water mark', running: 1, waiting: 0, kv: 0.8, held: false },
    { name: 'holds when the instance runs maxRunningPerInstance', running: 4, waiting: 0, kv: 0.1, held: true },
  ])('$name', ({ running, waiting, kv, held }) => {
    const h = harness(base);
    h.up('i1', 1000);
    h.snap('i1', running, waiting, kv);
    const ds = h.arrive(req('r1', { promptTokens: 100 }));
    expect(ds.length === 0).toBe(held);
    expect(h.sched.snapshot().queued.length).toBe(held ? 1 : 0);
  });

  it('treats stale metrics as saturated once it has work in flight there, but uses an idle instance', () => {
    const h = harness(base);
    h.up('i1', 1000);
    expect(dispatchTargets(h.arrive(req('r1')))).toEqual([['r1', 'i1']]); // no metrics yet, own accounting: idle
    expect(h.arrive(req('r2'))).toEqual([]); // stale (never scraped) and busy with r1
    h.clock.advance(10);
    expect(dispatchTargets(h.snap('i1', 1, 0, 0.1))).toEqual([['r2', 'i1']]);
    h.clock.advance(201);
    expect(h.arrive(req('r3'))).toEqual([]);
  });

  it('sends a request larger than the high-water mark to an idle instance instead of blocking forever', () => {
    const h = harness(base);
    h.up('i1', 1000);
    h.snap('i1', 0, 0, 0);
    expect(dispatchTargets(h.arrive(req('big', { promptTokens: 950 })))).toEqual([['big', 'i1']]);
  });
});

describe('priority classes and aging', () => {
  it('dispatches a higher class first, and a waiting lower class overtakes it after aging', () => {
    const h = harness({ policy: 'vtc', maxRunningPerInstance: 1, priorityAgingMs: 100 });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    h.arrive(req('r0'));
    h.arrive(req('low', { tenant: 'l', priority: 0 }));
    h.clock.advance(50);
    h.arrive(req('high', { tenant: 'h', priority: 1 }));
    expect(h.finishNext('r0')).toEqual(['high']);

    h.clock.advance(200); // low has waited 250 ms: class 0 + 2 > a fresh class-1 request
    h.arrive(req('high2', { tenant: 'h', priority: 1 }));
    expect(h.finishNext('high')).toEqual(['low']);
  });
});

describe('admission bounds', () => {
  it('rejects beyond the per-tenant and global queue bounds', () => {
    const h = harness({ policy: 'vtc', maxQueued: 2, maxQueuedPerTenant: 1 });
    h.up('i1');
    h.snap('i1', 1, 5, 0.5);
    expect(h.arrive(req('a1', { tenant: 'a' }))).toEqual([]);
    expect(h.arrive(req('a2', { tenant: 'a' }))).toEqual([
      { type: 'reject', id: 'a2', code: 'tenant_queue_full', retryAfterMs: 1000 },
    ]);
    expect(h.arrive(req('b1', { tenant: 'b' }))).toEqual([]);
    expect(h.arrive(req('c1', { tenant: 'c' }))).toEqual([
      { type: 'reject', id: 'c1', code: 'queue_full', retryAfterMs: 1000 },
    ]);
  });

  it('estimates retryAfterMs from the recent dispatch rate', () => {
    const h = harness({ policy: 'vtc', maxQueued: 2, retryAfterMinMs: 0 });
    h.up('i1');
    for (let i = 0; i < 10; i++) {
      h.clock.set(i * 10);
      h.snap('i1', 0, 0, 0);
      h.arrive(req(`d${i}`));
      h.apply({ type: 'finished', id: id(`d${i}`) });
    }
    h.snap('i1', 1, 5, 0.5);
    h.arrive(req('q1', { tenant: 'x' }));
    h.arrive(req('q2', { tenant: 'y' }));
    // 10 dispatches over 90 ms = 0.1 per ms; 2 queued ahead -> 20 ms.
    expect(h.arrive(req('q3', { tenant: 'z' }))).toEqual([
      { type: 'reject', id: 'q3', code: 'queue_full', retryAfterMs: 20 },
    ]);
  });
});

describe('vLLM priority', () => {
  it('is 0 unless forwarding is enabled', () => {
    const h = harness({ policy: 'vtc' });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    expect(h.arrive(req('r1', { priority: 3 }))[0]).toMatchObject({ vllmPriority: 0 });
  });

  it('puts higher classes lower and adds the quantized counter lead inside a class', () => {
    const h = harness({
      policy: 'vtc',
      forwardVllmPriority: true,
      vllmPriorityClassStride: 16,
      vllmPriorityQuantumTokens: 100,
    });
    h.up('i1');
    h.snap('i1', 0, 0, 0);
    expect(h.arrive(req('a1', { tenant: 'a', promptTokens: 350 }))[0]).toMatchObject({ vllmPriority: 0 });
    // b is lifted to a's 350 on arrival (a is in flight), then charged 10.
    expect(h.arrive(req('b1', { tenant: 'b', promptTokens: 10, priority: 2 }))[0]).toMatchObject({ vllmPriority: -32 });
    h.apply({ type: 'tokens', id: id('a1'), n: 200 }); // a = 750, leads b (360) by 390 -> bucket 3
    expect(h.arrive(req('a2', { tenant: 'a', promptTokens: 10 }))[0]).toMatchObject({ vllmPriority: 3 });
  });
});
