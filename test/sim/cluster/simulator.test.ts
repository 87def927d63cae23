import { describe, expect, it } from 'vitest';
import { simulateCluster } from '../../../src/sim/cluster/simulator.js';
import { summarizeSimulation } from '../../../src/sim/cluster/report.js';
import { SCHEDULER_POLICIES } from '../../../src/core/scheduler/index.js';
import { atRate, syntheticRequests } from './helpers.js';

const fakeWall = (): (() => number) => {
  let t = 0;
  return () => (t += 1000);
};

describe('simulateCluster', () => {
  const requests = atRate(
    syntheticRequests({
      requests: 150,
      tenants: [
        { name: 'a', weight: 2, share: 0.6 },
        { name: 'b', weight: 1, share: 0.4 },
      ],
      highPriorityShare: 0.2,
    }),
    12,
  );

  it.each(SCHEDULER_POLICIES)('completes every request with exactly its trace output length under %s', (policy) => {
    const res = simulateCluster({ requests, instances: 3, preset: 'llama2-7b-a10', policy, wallNowMs: fakeWall() });
    expect(res.records).toHaveLength(requests.length);
    for (const r of res.records) {
      expect(r.ok).toBe(true);
      const src = requests[Number(r.id.slice(1))]!;
      expect(r.outputTokens).toBe(Math.min(src.outputTokens, 4096 - r.promptTokens));
      expect(r.tokenTimesMs).toHaveLength(r.outputTokens);
      expect(r.tokenTimesMs[0]!).toBeGreaterThan(r.arrivalMs);
      for (let i = 1; i < r.tokenTimesMs.length; i++)
        expect(r.tokenTimesMs[i]!).toBeGreaterThanOrEqual(r.tokenTimesMs[i - 1]!);
    }
  });

  it('gives byte-identical JSON for the same inputs and seed', () => {
    const run = (): string =>
      JSON.stringify(
        summarizeSimulation(
          simulateCluster({
            requests,
            instances: 2,
            preset: 'llama2-7b-a10',
            policy: 'fairway',
            seed: 5,
            wallNowMs: fakeWall(),
          }),
        ),
      );
    const first = run();
    expect(run()).toBe(first);
    expect(first).toContain('"sim_speedup"');
  });

  it('charges continuations with the recompute the target engine actually did', () => {
    // Tight KV and an eager migration threshold force gateway stops on a busy cluster.
    const busy = atRate(requests, 30);
    const res = simulateCluster({
      requests: busy,
      instances: 2,
      preset: 'llama2-7b-a10',
      policy: 'fairway',
      scheduler: { minRunQuantumMs: 50, preemptGapTokens: 64, kvHighWater: 0.6 },
      wallNowMs: fakeWall(),
    });
    const stopped = res.records.filter((r) => r.preemptions + r.migrations > 0);
    expect(stopped.length).toBeGreaterThan(0);
    const summary = summarizeSimulation(res);
    expect(summary.recompute_tokens).toBeGreaterThan(0);
    expect(summary.recompute_token_share).toBeGreaterThan(0);
    expect(res.records.every((r) => r.ok)).toBe(true);
  });

  it('shares session prefixes so later turns hit the prefix cache', () => {
    const turns = [0, 1, 2, 3].map((k) => ({
      index: k,
      arrivalMs: k * 20_000,
      promptTokens: 200 + k * 400,
      outputTokens: 50,
      tenant: 't',
      weight: 1,
      priority: 0,
      sessionId: 's1',
    }));
    const res = simulateCluster({
      requests: turns,
      instances: 1,
      preset: 'llama3-8b-a100',
      policy: 'least-loaded',
      wallNowMs: fakeWall(),
    });
    expect(res.prefixHitTokens).toBeGreaterThan(1000);
    const fresh = simulateCluster({
      requests: turns.map(({ sessionId: _s, ...t }) => t),
      instances: 1,
      preset: 'llama3-8b-a100',
      policy: 'least-loaded',
      wallNowMs: fakeWall(),
    });
    expect(fresh.prefixHitTokens).toBe(0);
  });
});
