import { describe, expect, it } from 'vitest';
import { dispatchTargets, harness, inst, req } from './helpers.js';

describe('rr policy', () => {
  it('dispatches every arrival immediately, cycling over healthy instances in order', () => {
    const h = harness({ policy: 'rr' });
    h.up('i1');
    h.up('i2');
    h.up('i3');
    const targets = ['r1', 'r2', 'r3', 'r4', 'r5'].flatMap((id) => dispatchTargets(h.arrive(req(id))));
    expect(targets).toEqual([
      ['r1', 'i1'],
      ['r2', 'i2'],
      ['r3', 'i3'],
      ['r4', 'i1'],
      ['r5', 'i2'],
    ]);
  });

  it('skips down and draining instances and does not hold even when metrics say saturated', () => {
    const h = harness({ policy: 'rr' });
    h.up('i1');
    h.up('i2');
    h.up('i3');
    h.apply({ type: 'instanceDown', instance: inst('i2') });
    h.apply({ type: 'drain', instance: inst('i3'), draining: true });
    h.snap('i1', 500, 40, 1);
    const targets = ['r1', 'r2'].flatMap((id) => dispatchTargets(h.arrive(req(id))));
    expect(targets).toEqual([
      ['r1', 'i1'],
      ['r2', 'i1'],
    ]);
  });

  it('forwards vLLM priority 0 and resume false for a fresh request', () => {
    const h = harness({ policy: 'rr' });
    h.up('i1');
    expect(h.arrive(req('r1'))).toEqual([
      { type: 'dispatch', id: 'r1', instance: 'i1', vllmPriority: 0, streamTokens: false, resume: false },
    ]);
  });
});

describe('least-loaded policy', () => {
  it('sends each request to the instance with the smallest KV usage plus waiting demand', () => {
    const h = harness({ policy: 'least-loaded' });
    h.up('i1', 10_000);
    h.up('i2', 10_000);
    h.snap('i1', 3, 0, 0.5);
    h.snap('i2', 3, 0, 0.2);
    // i2: 0.2, then +0.1 per dispatched 1000-token prompt; at 0.5 it ties with i1 (3 running each): i1 by order.
    const ids = ['r1', 'r2', 'r3', 'r4'];
    const targets = ids.flatMap((id) => dispatchTargets(h.arrive(req(id, { promptTokens: 1000 }))));
    expect(targets).toEqual([
      ['r1', 'i2'],
      ['r2', 'i2'],
      ['r3', 'i2'],
      ['r4', 'i1'],
    ]);
  });

  it('breaks load ties by fewest running, then by instance order', () => {
    const h = harness({ policy: 'least-loaded' });
    h.up('i1');
    h.up('i2');
    h.up('i3');
    h.snap('i1', 5, 0, 0.1);
    h.snap('i2', 2, 0, 0.1);
    h.snap('i3', 2, 0, 0.1);
    expect(dispatchTargets(h.arrive(req('r1', { promptTokens: 0 })))).toEqual([['r1', 'i2']]);
  });

  it('does not hold: a saturated cluster still receives the request (vLLM queues it)', () => {
    const h = harness({ policy: 'least-loaded' });
    h.up('i1');
    h.snap('i1', 256, 30, 0.99);
    expect(dispatchTargets(h.arrive(req('r1')))).toEqual([['r1', 'i1']]);
  });

  it('counts its own in-flight requests when metrics are stale', () => {
    const h = harness({ policy: 'least-loaded', staleMetricsMs: 200 });
    h.up('i1');
    h.up('i2');
    h.arrive(req('r1', { promptTokens: 4000 }));
    expect(dispatchTargets(h.arrive(req('r2')))).toEqual([['r2', 'i2']]);
  });
});

describe('admission common to all policies', () => {
  it.each(['rr', 'least-loaded', 'vtc', 'llumnix', 'fairway'] as const)(
    '%s rejects with no_instance when no instance accepts work',
    (policy) => {
      const h = harness({ policy });
      expect(h.arrive(req('r1'))).toEqual([{ type: 'reject', id: 'r1', code: 'no_instance', retryAfterMs: 1000 }]);
    },
  );

  it.each(['rr', 'least-loaded', 'vtc', 'llumnix', 'fairway'] as const)(
    '%s rejects a prompt larger than every instance with too_large',
    (policy) => {
      const h = harness({ policy });
      h.up('i1', 1000);
      expect(h.arrive(req('r1', { promptTokens: 1000 }))).toEqual([
        { type: 'reject', id: 'r1', code: 'too_large', retryAfterMs: 0 },
      ]);
    },
  );

  it.each(['rr', 'least-loaded'] as const)('%s re-dispatches the requests of a dead instance elsewhere', (policy) => {
    const h = harness({ policy });
    h.up('i1');
    h.up('i2');
    h.arrive(req('r1'));
    h.apply({ type: 'tokens', id: req('r1').id, n: 5 });
    const ds = h.apply({ type: 'instanceDown', instance: inst('i1') });
    expect(ds).toEqual([
      { type: 'dispatch', id: 'r1', instance: 'i2', vllmPriority: 0, streamTokens: false, resume: true },
    ]);
    const recompute = h.observed.find((o) => o.type === 'recompute');
    expect(recompute).toMatchObject({ id: 'r1', tokens: 105, sameInstance: false });
  });

  it('never dispatches a cancelled request and forgets it', () => {
    const h = harness({ policy: 'vtc' });
    h.up('i1', 1000);
    h.snap('i1', 0, 0, 0);
    h.arrive(req('big', { promptTokens: 850 }));
    h.apply({ type: 'firstToken', id: req('big').id });
    expect(h.arrive(req('r2', { promptTokens: 200 }))).toEqual([]);
    expect(h.apply({ type: 'cancelled', id: req('r2').id })).toEqual([]);
    expect(h.apply({ type: 'finished', id: req('big').id })).toEqual([]);
    expect(h.sched.snapshot().queued).toEqual([]);
    expect(h.sched.snapshot().inFlight).toEqual([]);
  });
});
