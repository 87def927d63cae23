/**
 * The self-contained HTML report of a run: the summary table plus inline SVG charts (TTFT CDF, TBT CDF,
 * latency over time, per-tenant service over time, send lag). No scripts, fonts or links to anything
 * outside the file. Formatting only.
 */
import { fairness } from './fairness.js';
import type { FairnessOptions } from './fairness.js';
import { sortedCopy } from './percentile.js';
import type { RequestRecord } from './record.js';
import { cdfPoints, escapeXml, renderChart } from './svg-chart.js';
import type { RunSummary } from './summarize.js';
import { ttftOf } from './summarize.js';

export interface HtmlReportInput {
  readonly title: string;
  readonly summary: RunSummary;
  readonly records: readonly RequestRecord[];
  /** Replay: lag of each send in send order, and the send time (ms) of each. */
  readonly sendLagsMs?: readonly number[];
  readonly fairness?: FairnessOptions;
  /** Extra facts shown under the title (trace path, target, options). */
  readonly meta?: Readonly<Record<string, string | number>>;
}

function flatten(obj: unknown, prefix = ''): [string, string][] {
  if (obj === null) return [[prefix, 'n/a']];
  if (typeof obj === 'number' || typeof obj === 'string' || typeof obj === 'boolean') return [[prefix, String(obj)]];
  if (typeof obj !== 'object') return [];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) =>
    flatten(v, prefix === '' ? k : `${prefix}.${k}`),
  );
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { records, summary } = input;
  const ok = records.filter((r) => r.ok);
  const ttft = sortedCopy(ok.map(ttftOf).filter((x): x is number => x !== null));
  const gaps: number[] = [];
  for (const r of ok)
    for (let i = 1; i < r.tokenTimesMs.length; i++) gaps.push(r.tokenTimesMs[i]! - r.tokenTimesMs[i - 1]!);
  const t0 = records.reduce((m, r) => Math.min(m, r.arrivalMs), Infinity);
  const sec = (msValue: number): number => (msValue - t0) / 1000;
  const series = fairness(records, input.fairness ?? {}).series;

  const charts = [
    renderChart({
      id: 'chart-ttft-cdf',
      title: 'TTFT CDF',
      xLabel: 'TTFT (ms)',
      yLabel: 'fraction of requests',
      series: [{ name: 'TTFT', points: cdfPoints(ttft) }],
    }),
    renderChart({
      id: 'chart-tbt-cdf',
      title: 'TBT CDF (all inter-token gaps, stalls included)',
      xLabel: 'gap (ms)',
      yLabel: 'fraction of gaps',
      series: [{ name: 'TBT', points: cdfPoints(sortedCopy(gaps)) }],
    }),
    renderChart({
      id: 'chart-latency-time',
      title: 'Latency over time',
      xLabel: 'arrival (s)',
      yLabel: 'ms',
      kind: 'scatter',
      series: [
        { name: 'E2E', points: ok.map((r) => [sec(r.arrivalMs), r.finishMs - r.arrivalMs] as const) },
        {
          name: 'TTFT',
          points: ok.flatMap((r) => {
            const t = ttftOf(r);
            return t === null ? [] : [[sec(r.arrivalMs), t] as const];
          }),
        },
      ],
    }),
    renderChart({
      id: 'chart-tenant-service',
      title: 'Per-tenant service over time (60 s windows)',
      xLabel: 'time (s)',
      yLabel: 'service (cost tokens/s)',
      series: series.tenants.map((name, i) => ({
        name,
        points: series.ticksMs.map((t, k) => [sec(t), series.service[i]![k]!] as const),
      })),
    }),
    renderChart({
      id: 'chart-send-lag',
      title: 'Send lag (actual - scheduled)',
      xLabel: 'send #',
      yLabel: 'lag (ms)',
      kind: 'scatter',
      series: [{ name: 'lag', points: (input.sendLagsMs ?? []).map((lag, i) => [i, lag] as const) }],
    }),
  ];

  const rows = flatten(summary)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('\n');
  const meta = Object.entries(input.meta ?? {})
    .map(([k, v]) => `<li><b>${escapeXml(k)}</b>: ${escapeXml(String(v))}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:2px 8px;text-align:left}
th{font-weight:normal;color:#555}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eee}
</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<ul>${meta}</ul>
<div class="charts">
${charts.join('\n')}
</div>
<h2>Summary</h2>
<table>
${rows}
</table>
</body>
</html>
`;
}
