import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/replay/record.js';
import { summarize, tpotOf, ttftOf } from '../../src/replay/summarize.js';

function rec(partial: Partial<RequestRecord> & Pick<RequestRecord, 'id' | 'tenant' | 'arrivalMs'>): RequestRecord {
  return {
    weight: 1,
    priority: 0,
    promptTokens: 0,
    outputTokens: 0,
    tokenTimesMs: [],
    finishMs: partial.arrivalMs,
    ok: true,
    preemptions: 0,
    migrations: 0,
    recomputeTokens: 0,
    ...partial,
  };
}

// Hand-computed: see each expectation's comment.
const records: RequestRecord[] = [
  // TTFT 100, E2E 250, TPOT (250-100)/2 = 75, gaps 50 and 100; one gateway preemption, 12 recomputed tokens.
  rec({
    id: 'r1',
    tenant: 'a',
    arrivalMs: 0,
    promptTokens: 10,
    outputTokens: 3,
    tokenTimesMs: [100, 150, 250],
    finishMs: 250,
    preemptions: 1,
    recomputeTokens: 12,
  }),
  // TTFT 3000 (misses the 2 s SLO), E2E 3100, TPOT 100/1 = 100 (meets <= 100), gap 100; one migration.
  rec({
    id: 'r2',
    tenant: 'b',
    arrivalMs: 1000,
    promptTokens: 20,
    outputTokens: 2,
    tokenTimesMs: [4000, 4100],
    finishMs: 4100,
    migrations: 1,
  }),
  // Failed after one delivered token: excluded from latency, counts as an SLO miss.
  rec({
    id: 'r3',
    tenant: 'b',
    arrivalMs: 2000,
    promptTokens: 5,
    outputTokens: 4,
    tokenTimesMs: [2500],
    finishMs: 2600,
    ok: false,
    error: 'boom',
  }),
];

describe('summarize', () => {
  const s = summarize(records, { wallMs: 5000, enginePreemptions: 2, sendLagsMs: [1, 2, 3, 10] });

  it.each([
    ['requests', s.requests, 3],
    ['completed', s.completed, 2],
    ['failed', s.failed, 1],
    ['ttft p50 (nearest rank 1 of [100, 3000])', s.ttft_ms.p50, 100],
    ['ttft p90 (rank ceil(1.8) = 2)', s.ttft_ms.p90, 3000],
    ['ttft p99', s.ttft_ms.p99, 3000],
    ['tbt p99 over pooled gaps [50, 100, 100]', s.tbt_ms.p99, 100],
    ['tbt p99.9', s.tbt_ms.p999, 100],
    ['tpot mean (75 + 100) / 2', s.tpot_ms.mean, 87.5],
    ['e2e p50', s.e2e_ms.p50, 250],
    ['e2e p99', s.e2e_ms.p99, 3100],
    ['slo attainment 1 of 3', s.slo_attainment, 0.333333],
    ['ttft-only attainment 1 of 3', s.slo_ttft_attainment, 0.333333],
    ['tpot-only attainment 2 of 3', s.slo_tpot_attainment, 0.666667],
    ['span 0 .. 4100 ms', s.span_s, 4.1],
    ['goodput 1 / 4.1 s', s.goodput, 0.243902],
    ['throughput (3 + 2) / 4.1 s', s.throughput_tok_s, 1.22],
    ['weighted service ratio 24 / 16', s.weighted_service_ratio, 1.5],
    ['recompute share 12 / (25 + 22 + 6)', s.recompute_token_share, 0.226415],
    ['migrations', s.migrations, 1],
    ['wall_s', s.wall_s, 5],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('splits preemptions into engine (run fact) and gateway (sum of records)', () => {
    expect(s.preemptions).toEqual({ engine: 2, gateway: 1 });
  });

  it('reports per-tenant service as prompt + 2 x output of completed requests', () => {
    expect(s.tenants).toEqual({
      a: { requests: 1, completed: 1, service_tokens: 16, weight: 1, ttft_ms: { p50: 100, p99: 100 } },
      b: { requests: 2, completed: 1, service_tokens: 24, weight: 1, ttft_ms: { p50: 3000, p99: 3000 } },
    });
  });

  it('summarizes send lag by nearest rank when the run is a replay', () => {
    expect(s.send_lag_ms).toEqual({ p50: 2, p99: 10, max: 10 });
    expect(s.sim_speedup).toBeUndefined();
  });

  it('reports sim_speedup for a virtual-time run', () => {
    const sim = summarize(records, { wallMs: 50, virtualSpanMs: 4100 });
    expect(sim.sim_speedup).toBe(82);
    expect(sim.send_lag_ms).toBeUndefined();
  });

  it('takes a configurable SLO', () => {
    const loose = summarize(records, { wallMs: 1 }, { slo: { ttftMs: 5000, tpotMs: 100 } });
    expect(loose.slo_attainment).toBe(0.666667);
    expect(loose.slo).toEqual({ ttft_ms: 5000, tpot_ms: 100 });
  });

  it('gives the same JSON for the same records', () => {
    const a = JSON.stringify(summarize(records, { wallMs: 5000 }));
    const b = JSON.stringify(summarize([...records], { wallMs: 5000 }));
    expect(a).toBe(b);
  });

  it('handles an empty run without NaN', () => {
    const e = summarize([], { wallMs: 0 });
    expect(e.requests).toBe(0);
    expect(e.ttft_ms.p50).toBeNull();
    expect(JSON.stringify(e)).not.toContain('NaN');
  });
});

describe('per-request latency definitions', () => {
  it.each([
    [
      'three tokens',
      rec({ id: 'x', tenant: 't', arrivalMs: 10, outputTokens: 3, tokenTimesMs: [30, 40, 70], finishMs: 70 }),
      20,
      20,
    ],
    [
      'one token has TPOT 0',
      rec({ id: 'x', tenant: 't', arrivalMs: 0, outputTokens: 1, tokenTimesMs: [5], finishMs: 9 }),
      5,
      0,
    ],
    ['no token has no TTFT', rec({ id: 'x', tenant: 't', arrivalMs: 0, finishMs: 9 }), null, null],
  ])('%s', (_name, r, ttft, tpot) => {
    expect(ttftOf(r)).toBe(ttft);
    expect(tpotOf(r)).toBe(tpot);
  });
});
