import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { DEFAULT_SCHEDULER_OPTIONS, resolveSchedulerOptions } from '../../../src/core/scheduler/index.js';

describe('scheduler options', () => {
  it('has the same defaults as the scheduler section of the config schema', () => {
    const { tenantWeights: _weights, ...core } = DEFAULT_SCHEDULER_OPTIONS;
    expect(resolveConfig({}).scheduler).toEqual(core);
  });

  it('accepts the config section plus tenant weights as options', () => {
    const opts = resolveSchedulerOptions({ ...resolveConfig({}).scheduler, tenantWeights: { gold: 4 } });
    expect(opts.tenantWeights).toEqual({ gold: 4 });
    expect(opts.policy).toBe('least-loaded');
  });

  it.each([
    [{ policy: 'fifo' as never }, /policy/],
    [{ tenantWeights: { a: 0 } }, /tenantWeights\.a/],
    [{ kvHighWater: 1.5 }, /kvHighWater/],
    [{ freenessLowSteps: 100, freenessHighSteps: 10 }, /freenessHighSteps/],
  ])('rejects nonsense %j', (partial, message) => {
    expect(() => resolveSchedulerOptions(partial)).toThrow(message);
  });
});
