import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_POLICY, type LoadSignal } from '../../src/core/cache/index.js';
import { asInstanceId } from '../../src/core/ids.js';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import { loadSignalOf } from '../../src/cache/load-probe.js';
import type { SemanticCache } from '../../src/cache/semantic-cache.js';
import { buildCache } from './semantic-cache-helpers.js';

let open: SemanticCache[] = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c.close()));
  open = [];
});

const instance = (kvTokens: number, up = true) => ({
  id: asInstanceId(`i${kvTokens}`),
  up,
  draining: false,
  capacityTokens: 1000,
  fresh: true,
  inFlight: 0,
  running: 0,
  waiting: 0,
  kvTokens,
  pendingTokens: 0,
  freeness: null,
});

describe('load adaptation fed by the scheduler snapshot', () => {
  it('turns queue depth and the best KV headroom into a load signal', () => {
    const snapshot = {
      queued: new Array(30).fill({}),
      instances: [instance(900), instance(600), instance(0, false)],
    } as unknown as SchedulerSnapshot;
    expect(loadSignalOf(snapshot, 100)).toEqual({ queueDepth: 30, queueCapacity: 100, freeness: 0.4 });
    const none = { queued: [], instances: [] } as unknown as SchedulerSnapshot;
    expect(loadSignalOf(none, 100).freeness).toBe(0);
  });

  it('lowers the threshold within its bound while the probe reports overload, and recovers after', async () => {
    let signal: LoadSignal = { queueDepth: 950, queueCapacity: 1000, freeness: 0.02 };
    const built = await buildCache({ loadProbe: () => signal });
    open.push(built.cache);
    const { cache, clock } = built;
    const base = DEFAULT_CACHE_POLICY.categories.code!;
    for (let i = 0; i < 40; i++) {
      await cache.tick();
      clock.advance(500);
    }
    const loaded = await cache.stats();
    expect(loaded.load.engaged).toBe(true);
    expect(loaded.load.level).toBeGreaterThan(0.5);
    const code = loaded.categories.code!.effective;
    expect(code.similarity).toBeLessThan(base.similarity);
    expect(code.similarity).toBeGreaterThanOrEqual(
      Math.max(base.adaptive.minSimilarity, base.similarity - base.adaptive.thresholdDelta) - 1e-9,
    );
    expect(code.ttlSeconds).toBeLessThanOrEqual(base.ttlSeconds * base.adaptive.ttlFactor);
    signal = { queueDepth: 0, queueCapacity: 1000, freeness: 1 };
    for (let i = 0; i < 400; i++) {
      await cache.tick();
      clock.advance(500);
    }
    const idle = await cache.stats();
    expect(idle.load.level).toBe(0);
    expect(idle.categories.code!.effective.similarity).toBe(base.similarity);
  });
});
