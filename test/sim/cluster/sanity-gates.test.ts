/**
 * Sanity gates from reference/algorithms.md 6.5, on short synthetic traces: round-robin's tail TTFT on
 * the memory-tight preset is worse than least-loaded's and the gap widens with load; FCFS splits service
 * between two backlogged tenants by demand, VTC by weight.
 */
import { describe, expect, it } from 'vitest';
import { measureCapacity } from '../../../src/sim/cluster/capacity.js';
import { summarizeSimulation } from '../../../src/sim/cluster/report.js';
import { simulateCluster, type SimTraceRequest } from '../../../src/sim/cluster/simulator.js';
import type { SchedulerPolicy } from '../../../src/core/scheduler/index.js';
import { atRate, syntheticRequests } from './helpers.js';

const wall = (): (() => number) => {
  let t = 0;
  return () => (t += 1);
};

function run(requests: SimTraceRequest[], policy: SchedulerPolicy, instances: number, preset: string) {
  return summarizeSimulation(simulateCluster({ requests, instances, preset, policy, wallNowMs: wall() }));
}

describe('sanity gates (algorithms.md 6.5)', () => {
  it('round-robin P99 TTFT is worse than least-loaded on llama2-7b-a10, and the gap widens with load', () => {
    const base = syntheticRequests({
      requests: 500,
      cv: 2,
      prompt: { min: 32, max: 1536, exponent: 1.1 },
      output: { min: 16, max: 512, exponent: 1.1 },
      seed: 11,
    });
    const instances = 4;
    const capacity = measureCapacity({ requests: base, instances, preset: 'llama2-7b-a10', traceKey: 'gate-rr-ll' });
    expect(capacity.reqPerS).toBeGreaterThan(0);
    const gaps: number[] = [];
    for (const rho of [0.5, 0.9]) {
      const requests = atRate(base, rho * capacity.reqPerS);
      const rr = run(requests, 'rr', instances, 'llama2-7b-a10').ttft_ms.p99!;
      const ll = run(requests, 'least-loaded', instances, 'llama2-7b-a10').ttft_ms.p99!;
      expect(rr).toBeGreaterThan(ll);
      gaps.push(rr - ll);
    }
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
  });

  it('FCFS splits service by demand between two backlogged tenants while VTC splits it by weight', () => {
    // Tenant a asks 4x what b asks, equal weights, offered at about 3x capacity so both stay backlogged.
    const base = syntheticRequests({
      requests: 1500,
      prompt: { min: 64, max: 512, exponent: 1.1 },
      output: { min: 32, max: 256, exponent: 1.1 },
      tenants: [
        { name: 'a', weight: 1, share: 0.8 },
        { name: 'b', weight: 1, share: 0.2 },
      ],
      seed: 21,
    });
    const instances = 2;
    const capacity = measureCapacity({ requests: base, instances, preset: 'llama2-7b-a10', traceKey: 'gate-fair' });
    const requests = atRate(base, 3 * capacity.reqPerS);
    const ratio = (policy: SchedulerPolicy): number => {
      const w = run(requests, policy, instances, 'llama2-7b-a10').window_service;
      return w.tenants['a']!.service_tokens / w.tenants['b']!.service_tokens;
    };
    const fcfs = ratio('least-loaded');
    const vtc = ratio('vtc');
    // About the 4:1 demand ratio (a few hundred requests served in the window: sampling noise).
    expect(fcfs).toBeGreaterThan(3);
    expect(fcfs).toBeLessThan(5.5);
    expect(vtc).toBeGreaterThan(0.85);
    expect(vtc).toBeLessThan(1.15);
  });
});
