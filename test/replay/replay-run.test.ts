import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runReplayCommand } from '../../src/replay/cli.js';
import { clampToContext, runReplay } from '../../src/replay/replay-run.js';
import { generateTrace, traceToCsv } from '../../src/replay/trace-gen.js';
import { loadTrace } from '../../src/replay/trace-loader.js';
import type { LoadedTrace } from '../../src/replay/trace-loader.js';
import { parseTenantSpec } from '../../src/replay/trace-tenants.js';
import { startSseStub } from './sse-stub.js';
import type { SseStub } from './sse-stub.js';
import { writeFileSync } from 'node:fs';

async function smallTrace(requests: number, ratePerS: number): Promise<LoadedTrace> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-replay-'));
  const path = join(dir, 'trace.csv');
  const rows = generateTrace({
    requests,
    ratePerS,
    cv: 1,
    prompt: { min: 4, max: 64, exponent: 1 },
    output: { min: 2, max: 12, exponent: 1 },
    tenants: parseTenantSpec('alice:2:1,bob:1:1'),
    seed: 9,
  });
  writeFileSync(path, traceToCsv(rows));
  return loadTrace(path);
}

const quiet = { stdout: { write: () => true }, stderr: { write: () => true, isTTY: false } };
let stub: SseStub | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
});

describe('live replay against a local SSE stub', () => {
  it('sends every request open-loop, timestamps every token and bills tenants by key', async () => {
    stub = await startSseStub({ tokenGapMs: 1 });
    const trace = await smallTrace(30, 100);
    const result = await runReplay({
      trace,
      baseUrl: stub.url,
      tenantKeys: new Map([
        ['alice', 'key-a'],
        ['bob', 'key-b'],
      ]),
    });
    expect(result.model).toBe('stub-model');
    expect(result.records).toHaveLength(30);
    expect(result.summary.failed).toBe(0);
    expect(result.summary.completed).toBe(30);
    result.records.forEach((r, i) => {
      const want = trace.requests[i]!;
      expect(r.tenant).toBe(want.tenant);
      expect(r.outputTokens).toBe(want.outputTokens);
      expect(r.tokenTimesMs).toHaveLength(want.outputTokens);
      expect(r.tokenTimesMs[0]!).toBeGreaterThanOrEqual(r.arrivalMs);
      expect(r.finishMs).toBeGreaterThanOrEqual(r.tokenTimesMs.at(-1)!);
    });
    const alice = stub.received.filter((q) => q.authorization === 'Bearer key-a');
    expect(alice).toHaveLength(trace.requests.filter((r) => r.tenant === 'alice').length);
    const body = stub.received[0]!.body;
    expect(body).toMatchObject({ model: 'stub-model', stream: true, ignore_eos: true });
    expect(body.min_tokens).toBe(body.max_tokens);
    expect(result.sendLagsMs).toHaveLength(30);
    expect(result.summary.send_lag_ms?.p50).not.toBeNull();
    expect(result.summary.tenants.alice?.weight).toBe(2);
  });

  it('counts HTTP errors as failed requests with the status in the error', async () => {
    stub = await startSseStub({ failKey: 'key-b' });
    const trace = await smallTrace(10, 200);
    const result = await runReplay({
      trace,
      baseUrl: stub.url,
      api: 'completions',
      tenantKeys: new Map([
        ['alice', 'key-a'],
        ['bob', 'key-b'],
      ]),
    });
    const bob = result.records.filter((r) => r.tenant === 'bob');
    expect(bob.length).toBeGreaterThan(0);
    expect(bob.every((r) => !r.ok && r.error?.startsWith('HTTP 500') === true)).toBe(true);
    expect(result.summary.failed).toBe(bob.length);
    expect(stub.received[0]!.path).toBe('/v1/completions');
  });

  it('stops by itself: a hanging stream is aborted after the drain timeout', async () => {
    stub = await startSseStub({ hangKey: 'key-b' });
    const trace = await smallTrace(6, 200);
    const started = performance.now();
    const result = await runReplay({
      trace,
      baseUrl: stub.url,
      drainTimeoutMs: 300,
      tenantKeys: new Map([
        ['alice', 'key-a'],
        ['bob', 'key-b'],
      ]),
    });
    expect(performance.now() - started).toBeLessThan(5000);
    const bob = result.records.filter((r) => r.tenant === 'bob');
    expect(bob.every((r) => !r.ok && r.tokenTimesMs.length === 1)).toBe(true);
    expect(result.records.filter((r) => r.tenant === 'alice').every((r) => r.ok)).toBe(true);
  });

  it('bounds the run by --max-requests and writes JSON, CSV and a self-contained HTML report', async () => {
    stub = await startSseStub();
    const dir = mkdtempSync(join(tmpdir(), 'fw-replay-out-'));
    const tracePath = new URL('../../traces/synthetic-small.csv', import.meta.url).pathname;
    const out: string[] = [];
    const code = await runReplayCommand(
      ['--trace', tracePath, '--target', stub.url, '--speed', '20', '--max-requests', '25', '--out', dir, '--json'],
      { stdout: { write: (s: string) => out.push(s) }, stderr: quiet.stderr },
    );
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      requests: number;
      not_sent: number;
    };
    expect(summary.requests).toBe(25);
    expect(summary.not_sent).toBe(275);
    expect(JSON.parse(out.join(''))).toEqual(summary);
    const csv = readFileSync(join(dir, 'requests.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(26);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of [
      'chart-ttft-cdf',
      'chart-tbt-cdf',
      'chart-latency-time',
      'chart-tenant-service',
      'chart-send-lag',
    ]) {
      expect(html).toMatch(new RegExp(`<svg[^>]*id="${id}"[^>]*>[\\s\\S]*?<(path|circle)[\\s\\S]*?</svg>`));
    }
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
  });
});

describe('replay options', () => {
  it('forwards the trace priority as vLLM priority (negated) only when asked', async () => {
    stub = await startSseStub();
    const trace = await loadTrace(new URL('../../traces/synthetic-small.csv', import.meta.url).pathname, { speed: 50 });
    await runReplay({ trace, baseUrl: stub.url, maxRequests: 8, sendPriority: true, model: 'm' });
    await runReplay({ trace, baseUrl: stub.url, maxRequests: 1, model: 'm' });
    const byIndex = new Map(
      stub.received.slice(0, 8).map((q) => {
        const content = (q.body.messages as { content: string }[])[0]!.content;
        return [Number(/^r(\d+) /.exec(content)![1]), q.body.priority] as const;
      }),
    );
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [i, p] of byIndex) expect(p).toBe(trace.requests[i]!.priority === 0 ? 0 : -trace.requests[i]!.priority);
    expect([...byIndex.values()]).toContain(-1);
    expect(stub.received[8]!.body).not.toHaveProperty('priority');
    expect(stub.received[8]!.body.model).toBe('m');
  });

  it('rejects a replay without --trace as a usage error', async () => {
    await expect(runReplayCommand([], quiet)).rejects.toThrow(/--trace is required/);
    await expect(runReplayCommand(['--trace', 'x', '--api', 'grpc'], quiet)).rejects.toThrow(/--api/);
  });
});

describe('context clamping', () => {
  it.each([
    [100, 50, 4096, { promptTokens: 100, outputTokens: 50, clamped: false }],
    [5000, 100, 4096, { promptTokens: 3980, outputTokens: 100, clamped: true }],
    [10, 9000, 4096, { promptTokens: 10, outputTokens: 4070, clamped: true }],
    [3000, 3000, 4096, { promptTokens: 2040, outputTokens: 2040, clamped: true }],
    [5000, 100, undefined, { promptTokens: 5000, outputTokens: 100, clamped: false }],
  ])('prompt %d + output %d under limit %s', (p, o, limit, expected) => {
    expect(clampToContext(p, o, limit)).toEqual(expected);
  });
});

const simPath = new URL('../../src/sim/server.ts', import.meta.url).pathname;
const haveSim = existsSync(simPath);
if (!haveSim) console.warn('skipping replay against startSimServer: src/sim/server.ts does not exist');

describe.skipIf(!haveSim)('live replay against the simulator HTTP server', () => {
  it('replays 20 requests of the committed synthetic trace with no failures and every token', async () => {
    const { startSimServer } = (await import('../../src/sim/server.js')) as {
      startSimServer: (o: { port: number; preset?: string }) => Promise<{ url: string; close(): Promise<void> }>;
    };
    const sim = await startSimServer({ port: 0 });
    try {
      const trace = await loadTrace(new URL('../../traces/synthetic-small.csv', import.meta.url).pathname, {
        speed: 5,
      });
      const result = await runReplay({ trace, baseUrl: sim.url, maxRequests: 20, drainTimeoutMs: 20_000 });
      expect(result.summary.requests).toBe(20);
      expect(result.records.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
      for (const [i, r] of result.records.entries()) {
        expect(r.outputTokens).toBe(trace.requests[i]!.outputTokens);
        expect(r.tokenTimesMs.length).toBeGreaterThan(0);
      }
      expect(result.summary.ttft_ms.p50).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });
});
