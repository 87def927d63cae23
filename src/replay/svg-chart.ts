/**
 * Minimal inline SVG line and scatter charts for the HTML report: linear axes with ticks, a legend, and
 * downsampling to a bounded number of points. Produces strings only; no external resources.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly kind?: 'line' | 'scatter';
  readonly maxPoints?: number;
}

const W = 640;
const H = 320;
const PAD = { left: 64, right: 16, top: 32, bottom: 44 };
const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Evenly thins a series to at most `max` points, keeping the first and last. */
export function downsample<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

/** One chart as an `<svg>` element string. An empty chart says "no data". */
export function renderChart(spec: ChartSpec): string {
  const max = spec.maxPoints ?? 600;
  const series = spec.series.map((s) => ({ name: s.name, points: downsample(s.points, max) }));
  const all = series.flatMap((s) => s.points);
  const head = `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(spec.id)}" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(spec.title)}">`;
  const title = `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`;
  if (all.length === 0) {
    return `${head}${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no data</text></svg>`;
  }
  const x0 = Math.min(...all.map((p) => p[0]));
  let x1 = Math.max(...all.map((p) => p[0]));
  let y1 = Math.max(...all.map((p) => p[1]));
  const y0 = Math.min(0, ...all.map((p) => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number): number => PAD.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [head, title];
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const t of niceTicks(x0, x1)) {
    parts.push(
      `<line x1="${sx(t).toFixed(1)}" y1="${PAD.top + plotH}" x2="${sx(t).toFixed(1)}" y2="${PAD.top + plotH + 4}" stroke="#999"/>`,
      `<text x="${sx(t).toFixed(1)}" y="${PAD.top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(y0, y1)) {
    parts.push(
      `<line x1="${PAD.left}" y1="${sy(t).toFixed(1)}" x2="${PAD.left + plotW}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (spec.kind === 'scatter') {
      const dots = s.points.map((p) => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="1.8"/>`);
      parts.push(`<g class="series" fill="${color}" fill-opacity="0.6">${dots.join('')}</g>`);
    } else {
      const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`).join('');
      parts.push(`<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
    const ly = PAD.top + 14 + i * 14;
    if (i < 10) {
      parts.push(
        `<rect x="${PAD.left + plotW - 130}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`,
        `<text x="${PAD.left + plotW - 116}" y="${ly}" font-size="11">${escapeXml(s.name)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Empirical CDF points (value, fraction <= value) of sorted values. */
export function cdfPoints(sorted: ArrayLike<number>): [number, number][] {
  const n = sorted.length;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([sorted[i]!, (i + 1) / n]);
  return out;
}
