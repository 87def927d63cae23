import { describe, expect, it } from 'vitest';
import { createProgress, formatProgress } from '../../src/replay/progress.js';
import type { RequestRecord } from '../../src/replay/record.js';
import { RECORD_CSV_HEADER, recordsToCsv } from '../../src/replay/report-csv.js';
import { renderHtmlReport } from '../../src/replay/report-html.js';
import { summarize } from '../../src/replay/summarize.js';
import { downsample, renderChart } from '../../src/replay/svg-chart.js';

const records: RequestRecord[] = Array.from({ length: 40 }, (_, i) => ({
  id: `r${i}`,
  tenant: i % 3 === 0 ? 'heavy <&>' : 'light',
  weight: 1,
  priority: 0,
  arrivalMs: i * 500,
  promptTokens: 100,
  outputTokens: 4,
  tokenTimesMs: [i * 500 + 50, i * 500 + 60, i * 500 + 70 + (i === 7 ? 900 : 0), i * 500 + 980],
  finishMs: i * 500 + 980,
  ok: i !== 5,
  ...(i === 5 ? { error: 'HTTP 500: "bad", really' } : {}),
  preemptions: 0,
  migrations: 0,
  recomputeTokens: 0,
}));

describe('HTML report', () => {
  const summary = summarize(records, { wallMs: 20_000, sendLagsMs: records.map((_, i) => i % 4) });
  const html = renderHtmlReport({ title: 'run <1>', summary, records, sendLagsMs: records.map((_, i) => i % 4) });

  it.each(['chart-ttft-cdf', 'chart-tbt-cdf', 'chart-latency-time', 'chart-tenant-service', 'chart-send-lag'])(
    'contains the %s SVG chart with data drawn in it',
    (id) => {
      const svg = new RegExp(`<svg[^>]*id="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(html);
      expect(svg).not.toBeNull();
      expect(svg![1]).toMatch(/<path class="series" d="M|<circle /);
    },
  );

  it('is self-contained and escapes text', () => {
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    expect(html).toContain('run &lt;1&gt;');
    expect(html).toContain('heavy &lt;&amp;&gt;');
    expect(html).not.toContain('heavy <&>');
  });

  it('lists the summary numbers', () => {
    expect(html).toContain(`<tr><th>tbt_ms.p99</th><td>${summary.tbt_ms.p99}</td></tr>`);
  });

  it('draws "no data" rather than failing on an empty series', () => {
    expect(
      renderChart({ id: 'x', title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [] }] }),
    ).toContain('no data');
  });

  it('downsamples long series but keeps both ends', () => {
    const pts = Array.from({ length: 10_001 }, (_, i) => i);
    const d = downsample(pts, 101);
    expect(d).toHaveLength(101);
    expect(d[0]).toBe(0);
    expect(d.at(-1)).toBe(10_000);
  });
});

describe('per-request CSV', () => {
  it('has one row per record with derived latencies and quoted errors', () => {
    const lines = recordsToCsv(
      records,
      records.map(() => 1.5),
    )
      .trim()
      .split('\n');
    expect(lines[0]).toBe(RECORD_CSV_HEADER);
    expect(lines).toHaveLength(41);
    // r1: arrival 500, first token 550 (TTFT 50), TPOT (980 - 50) / 3 = 310, E2E 980.
    expect(lines[2]).toBe('r1,light,1,0,500,100,4,4,50,310,980,1480,true,,0,0,0,1.5');
    expect(lines[6]).toContain(',false,"HTTP 500: ""bad"", really",');
  });
});

describe('progress', () => {
  const counts = { sent: 5, total: 10, done: 4, failed: 1, inFlight: 1, elapsedMs: 1500 };

  it('redraws one line on a TTY', () => {
    const out: string[] = [];
    const p = createProgress({ write: (s: string) => out.push(s), isTTY: true });
    p.update(counts);
    p.update(counts);
    expect(out).toHaveLength(2);
    expect(out[0]!.startsWith('\r[')).toBe(true);
    expect(out[0]).toContain('sent 5/10 done 4 failed 1');
  });

  it('prints plain lines at most once per interval otherwise', () => {
    const out: string[] = [];
    const p = createProgress({ write: (s: string) => out.push(s), isTTY: false }, 5000);
    p.update(counts);
    p.update({ ...counts, elapsedMs: 3000 });
    p.update({ ...counts, elapsedMs: 6600 });
    p.finish(counts);
    expect(out).toHaveLength(3);
    expect(out.every((l) => !l.includes('\r'))).toBe(true);
    expect(formatProgress(counts)).toContain(' 40%');
  });
});
