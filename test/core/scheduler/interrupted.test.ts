import { describe, expect, it } from 'vitest';
import { asRequestId } from '../../../src/core/ids.js';
import type { SchedulerPolicy } from '../../../src/core/scheduler/index.js';
import { harness, inst, req } from './helpers.js';

const policies: SchedulerPolicy[] = ['rr', 'least-loaded', 'vtc', 'llumnix', 'fairway'];

describe('an interrupted stream', () => {
  it.each(policies)('is resumed on another open instance under %s', (policy) => {
    const h = harness({ policy });
    h.up('x');
    h.up('y');
    const first = h.arrive(req('r1'));
    expect(first).toHaveLength(1);
    const failed = first[0]!.type === 'dispatch' ? first[0]!.instance : null;
    expect(failed).not.toBeNull();
    h.apply({ type: 'dispatched', id: asRequestId('r1'), instance: failed! });
    h.apply({ type: 'tokens', id: asRequestId('r1'), n: 5 });
    const next = h.apply({ type: 'interrupted', id: asRequestId('r1'), generatedTokens: 5 });
    expect(next).toEqual([
      expect.objectContaining({
        type: 'dispatch',
        id: asRequestId('r1'),
        instance: failed === inst('x') ? inst('y') : inst('x'),
        resume: true,
      }),
    ]);
  });

  it('is resumed on the same instance when no other is open', () => {
    const h = harness({ policy: 'least-loaded' });
    h.up('x');
    h.arrive(req('r1'));
    const next = h.apply({ type: 'interrupted', id: asRequestId('r1'), generatedTokens: 0 });
    expect(next).toEqual([expect.objectContaining({ type: 'dispatch', instance: inst('x'), resume: true })]);
  });

  it('changes nothing when the instance already went down and requeued the request', () => {
    const h = harness({ policy: 'least-loaded' });
    h.up('x');
    h.arrive(req('r1'));
    expect(h.apply({ type: 'instanceDown', instance: inst('x') })).toEqual([]);
    expect(h.apply({ type: 'interrupted', id: asRequestId('r1'), generatedTokens: 3 })).toEqual([]);
    expect(h.apply({ type: 'instanceUp', instance: inst('y'), kvCapacityTokens: 10_000 })).toEqual([
      expect.objectContaining({ type: 'dispatch', instance: inst('y'), resume: true }),
    ]);
  });
});
