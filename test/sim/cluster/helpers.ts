/**
 * Shared builders for the cluster-simulator tests: small synthetic traces as simulator requests.
 */
import { generateTrace, type TraceGenOptions } from '../../../src/replay/trace-gen.js';
import type { SimTraceRequest } from '../../../src/sim/cluster/simulator.js';

export function syntheticRequests(options: Partial<TraceGenOptions> & { requests: number }): SimTraceRequest[] {
  const rows = generateTrace({
    ratePerS: 4,
    cv: 1,
    prompt: { min: 16, max: 1024, exponent: 1.1 },
    output: { min: 8, max: 256, exponent: 1.1 },
    tenants: [{ name: 'default', weight: 1, share: 1 }],
    seed: 7,
    ...options,
  });
  return rows.map((r, index) => ({ index, ...r }));
}

/** Rescales arrival times so the mean rate is `reqPerS`. */
export function atRate(requests: readonly SimTraceRequest[], reqPerS: number): SimTraceRequest[] {
  const last = requests[requests.length - 1];
  if (last === undefined || last.arrivalMs === 0) return requests.slice();
  const current = ((requests.length - 1) * 1000) / last.arrivalMs;
  const k = current / reqPerS;
  return requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs * k }));
}
