import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FairwayError } from '../../src/errors.js';
import { loadTrace, scaleTraceToRate, scanTrace } from '../../src/replay/trace-loader.js';
import { parseAzureTimestamp } from '../../src/replay/trace-format.js';
import { parsePriorityRules, parseTenantSpec } from '../../src/replay/trace-tenants.js';

const fixture = (name: string): string => new URL(`../fixtures/traces/${name}`, import.meta.url).pathname;
const SHARED = new URL('../../../shared/traces/', import.meta.url).pathname;
const BURST1 = `${SHARED}burstgpt/BurstGPT_1_first400.csv`;
const BURST3 = `${SHARED}burstgpt/BurstGPT_3_first400.csv`;
const AZURE = `${SHARED}azure-llm-2023/AzureLLMInferenceTrace_conv.csv`;
const STATS = `${SHARED}burstgpt/summary_stats.json`;

interface SliceStats {
  file: string;
  rows: number;
  span_s: number;
  mean_rps: number;
  failure_share_response0: number;
  sessions?: number;
  session_empty_rows?: number;
  model_share: Record<string, number>;
}

const haveBurst = existsSync(BURST1) && existsSync(BURST3) && existsSync(STATS);
const haveAzure = existsSync(AZURE);
if (!haveBurst) console.warn(`skipping BurstGPT slice tests: ${SHARED}burstgpt not present`);
if (!haveAzure) console.warn(`skipping Azure trace tests: ${AZURE} not present`);

describe.skipIf(!haveBurst)('loading the real BurstGPT slices', () => {
  const stats = haveBurst ? (JSON.parse(readFileSync(STATS, 'utf8')) as SliceStats[]) : [];
  const statsFor = (file: string): SliceStats => stats.find((s) => s.file === file)!;

  it.each([
    ['BurstGPT_1_first400.csv', BURST1, 'burstgpt'],
    ['BurstGPT_3_first400.csv', BURST3, 'burstgpt-v3'],
  ])('%s loads every row with the span, rate and failure count of summary_stats.json', async (file, path, format) => {
    const s = statsFor(file);
    const all = await loadTrace(path, { dropFailed: false });
    expect(all.format).toBe(format);
    expect(all.requests).toHaveLength(s.rows);
    expect(all.stats.malformedCount).toBe(0);
    expect(all.stats.spanMs).toBe(s.span_s * 1000);
    expect(all.stats.meanRateReqPerS).toBeCloseTo(s.mean_rps, 12);
    const kept = await loadTrace(path);
    expect(kept.stats.failedDropped).toBe(Math.round(s.failure_share_response0 * s.rows));
    expect(kept.requests).toHaveLength(s.rows - kept.stats.failedDropped);
    expect(kept.requests.every((r) => r.outputTokens > 0)).toBe(true);
  });

  it('BurstGPT v3 sessions become tenants: 135 sessions plus the API rows without one', async () => {
    const s = statsFor('BurstGPT_3_first400.csv');
    const t = await loadTrace(BURST3, { dropFailed: false });
    const sessions = new Set(t.requests.flatMap((r) => (r.sessionId === undefined ? [] : [r.sessionId])));
    expect(sessions.size).toBe(s.sessions);
    expect(t.requests.filter((r) => r.sessionId === undefined)).toHaveLength(s.session_empty_rows!);
    expect(t.requests.filter((r) => r.tenant === 'default')).toHaveLength(s.session_empty_rows!);
  });

  it('a Model=GPT-4 rule marks exactly the GPT-4 share of rows as high priority', async () => {
    const s = statsFor('BurstGPT_1_first400.csv');
    const t = await loadTrace(BURST1, { dropFailed: false, priorityRules: parsePriorityRules('Model=GPT-4') });
    expect(t.requests.filter((r) => r.priority === 1)).toHaveLength(Math.round(s.model_share['GPT-4']! * s.rows));
  });

  it('--rate rescales the slice to the requested mean rate and keeps the order', async () => {
    const t = await loadTrace(BURST1, { rate: 5 });
    expect(t.stats.meanRateReqPerS).toBeCloseTo(5, 9);
    const again = scaleTraceToRate(t, 10);
    expect(again.stats.meanRateReqPerS).toBeCloseTo(10, 9);
    expect(again.requests.map((r) => r.line)).toEqual(t.requests.map((r) => r.line));
  });
});

describe.skipIf(!haveAzure)('loading the Azure LLM 2023 conversation trace', () => {
  it('loads all 19,366 rows (wc -l of the file) over 3,501.72 s', async () => {
    const lines =
      readFileSync(AZURE, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length - 1;
    const t = await loadTrace(AZURE);
    expect(t.format).toBe('azure');
    expect(lines).toBe(19_366);
    expect(t.requests).toHaveLength(19_366);
    expect(t.stats.malformedCount).toBe(0);
    expect(t.stats.spanMs).toBeCloseTo(3_501_721.937, 6);
    expect(t.requests[1]!.arrivalMs).toBeCloseTo(4314.579, 9);
  });

  it('scanTrace streams rows to a callback without collecting them and stops when told', async () => {
    let count = 0;
    let tokens = 0;
    const all = await scanTrace(AZURE, {}, (row) => {
      count++;
      tokens += row.outputTokens;
    });
    expect(count).toBe(19_366);
    expect(all.linesRead).toBe(19_367);
    expect(tokens).toBeGreaterThan(0);
    let seen = 0;
    const stopped = await scanTrace(AZURE, {}, () => ++seen < 5);
    expect(seen).toBe(5);
    expect(stopped.linesRead).toBe(6);
  });

  it('stops reading at maxRequests', async () => {
    const t = await loadTrace(AZURE, { maxRequests: 10 });
    expect(t.requests).toHaveLength(10);
    expect(t.stats.linesRead).toBe(11);
  });
});

describe('trace fixtures with bad rows', () => {
  it('counts malformed rows with line numbers and keeps the good ones', async () => {
    const t = await loadTrace(fixture('burstgpt-v1-bad-rows.csv'), {
      priorityRules: parsePriorityRules('Model=GPT-4'),
    });
    expect(t.requests.map((r) => r.arrivalMs)).toEqual([0, 40_000, 45_000, 55_000]);
    expect(t.requests.map((r) => r.line)).toEqual([2, 3, 9, 11]);
    expect(t.requests.map((r) => r.priority)).toEqual([0, 0, 1, 1]);
    expect(t.stats.failedDropped).toBe(1);
    expect(t.stats.malformedCount).toBe(4);
    expect(t.stats.malformed.map((m) => m.line)).toEqual([4, 6, 7, 10]);
    expect(t.stats.malformed[0]!.reason).toContain('timestamp');
  });

  it('reports at most maxMalformedReported rows but counts them all', async () => {
    const t = await loadTrace(fixture('burstgpt-v1-bad-rows.csv'), { maxMalformedReported: 2 });
    expect(t.stats.malformedCount).toBe(4);
    expect(t.stats.malformed).toHaveLength(2);
  });

  it('parses 7-digit Azure fractions exactly relative to the first row', async () => {
    const t = await loadTrace(fixture('azure-exact.csv'));
    expect(t.requests.map((r) => r.arrivalMs)).toEqual([0, 0.0001, 319.41, 3_501_721.937]);
    expect(t.stats.malformed).toEqual([{ line: 5, reason: 'bad timestamp "2023-11-16 18:15:4x.1"' }]);
    expect(parseAzureTimestamp('2023-11-16 18:15:46.6805900')).toEqual({ whole: 1700158546, fracE7: 6805900 });
  });

  it('reads v3 headers by name even though the columns moved', async () => {
    const t = await loadTrace(fixture('burstgpt-v3-small.csv'));
    expect(t.format).toBe('burstgpt-v3');
    expect(t.requests.map((r) => [r.arrivalMs, r.promptTokens, r.outputTokens, r.tenant])).toEqual([
      [0, 10, 5, 's1'],
      [1000, 20, 6, 'default'],
      [3000, 40, 8, 's1'],
    ]);
  });

  it('reads JSONL with a column map, skipping bad lines by number', async () => {
    const t = await loadTrace(fixture('generic.jsonl'), {
      columns: { time: 't', timeUnit: 's', promptTokens: 'in', outputTokens: 'out', tenant: 'user' },
      priorityRules: parsePriorityRules('Model=GPT-4:3'),
    });
    expect(t.format).toBe('jsonl');
    expect(t.requests.map((r) => [r.arrivalMs, r.tenant, r.priority])).toEqual([
      [0, 'bob', 0],
      [1000, 'alice', 3],
    ]);
    expect(t.stats.outOfOrder).toBe(1);
    expect(t.stats.failedDropped).toBe(1);
    expect(t.stats.malformed.map((m) => m.line)).toEqual([3, 4, 6]);
  });

  it('sorts out-of-order CSV rows and applies a time window relative to the first row', async () => {
    const columns = { time: 'when', timeUnit: 's' as const, promptTokens: 'in', outputTokens: 'out', tenant: 'who' };
    const all = await loadTrace(fixture('generic-mapped.csv'), { format: 'csv', columns });
    expect(all.requests.map((r) => [r.arrivalMs, r.tenant])).toEqual([
      [0, 'bob'],
      [5000, 'alice'],
      [7000, 'alice'],
    ]);
    const windowed = await loadTrace(fixture('generic-mapped.csv'), {
      format: 'csv',
      columns,
      windowStartS: 0,
      windowEndS: 2,
    });
    expect(windowed.requests.map((r) => r.line)).toEqual([2]);
    expect(windowed.stats.outsideWindow).toBe(2);
  });

  it('speed compresses time', async () => {
    const t = await loadTrace(fixture('burstgpt-v3-small.csv'), { speed: 4 });
    expect(t.requests.map((r) => r.arrivalMs)).toEqual([0, 250, 750]);
    expect(t.stats.speed).toBe(4);
  });
});

describe('tenant assignment', () => {
  it('assigns rows by share deterministically for a seed', async () => {
    const tenants = { kind: 'shares' as const, tenants: parseTenantSpec('a:2:3,b:1:1') };
    const path = fixture('burstgpt-v1-bad-rows.csv');
    const one = await loadTrace(path, { tenants, seed: 7 });
    const two = await loadTrace(path, { tenants, seed: 7 });
    expect(one.requests.map((r) => r.tenant)).toEqual(two.requests.map((r) => r.tenant));
    expect(one.requests.every((r) => (r.tenant === 'a' ? r.weight === 2 : r.weight === 1))).toBe(true);
  });

  it.skipIf(!haveAzure)('gives each tenant about its share of 19k rows', async () => {
    const t = await loadTrace(AZURE, {
      tenants: { kind: 'shares', tenants: parseTenantSpec('a:1:0.6,b:1:0.3,c:1:0.1') },
    });
    const share = (name: string): number => t.requests.filter((r) => r.tenant === name).length / t.requests.length;
    expect(share('a')).toBeCloseTo(0.6, 1);
    expect(share('b')).toBeCloseTo(0.3, 1);
    expect(share('c')).toBeCloseTo(0.1, 1);
  });

  it.skipIf(!haveAzure)('Zipf over K tenants makes the first tenant the heaviest', async () => {
    const t = await loadTrace(AZURE, { tenants: { kind: 'zipf', count: 20, exponent: 1.1 } });
    const count = (name: string): number => t.requests.filter((r) => r.tenant === name).length;
    expect(count('t01')).toBeGreaterThan(count('t02'));
    expect(count('t02')).toBeGreaterThan(count('t20'));
    expect(new Set(t.requests.map((r) => r.tenant)).size).toBe(20);
  });

  it('rejects a malformed tenant spec with a usage error', () => {
    expect(() => parseTenantSpec('a:0:1')).toThrow(FairwayError);
    expect(() => parseTenantSpec('a:1:1,a:1:1')).toThrow(/duplicate/);
  });
});

describe('unreadable and unknown files', () => {
  it('a missing file is FW_ERR_TRACE_UNREADABLE naming the path', async () => {
    const err = await loadTrace('/nonexistent/trace.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FairwayError);
    expect((err as FairwayError).code).toBe('FW_ERR_TRACE_UNREADABLE');
    expect((err as FairwayError).message).toContain('/nonexistent/trace.csv');
  });

  it('a directory is FW_ERR_TRACE_UNREADABLE, not a crash', async () => {
    const err = await loadTrace(new URL('.', import.meta.url).pathname).catch((e: unknown) => e);
    expect((err as FairwayError).code).toBe('FW_ERR_TRACE_UNREADABLE');
  });

  it('an unrecognized header is FW_ERR_TRACE_FORMAT', async () => {
    const err = await loadTrace(fixture('unknown-header.csv')).catch((e: unknown) => e);
    expect((err as FairwayError).code).toBe('FW_ERR_TRACE_FORMAT');
  });
});
