/**
 * Parses vLLM's Prometheus text exposition into `InstanceMetrics`. Owns metric-name compatibility
 * across vLLM versions (counters with or without `_total`, V0 `gpu_*` names as fallbacks) and
 * summing over label sets. It never throws on input: malformed lines are counted and skipped.
 */
import type { InstanceMetrics } from '../core/ports.js';

type Field = keyof InstanceMetrics;

/** metric name -> field it feeds and its rank (0 = current name, 1 = legacy fallback). */
const SOURCES = new Map<string, { readonly field: Field; readonly rank: 0 | 1 }>([
  ['vllm:num_requests_running', { field: 'running', rank: 0 }],
  ['vllm:num_requests_waiting', { field: 'waiting', rank: 0 }],
  ['vllm:kv_cache_usage_perc', { field: 'kvUsage', rank: 0 }],
  ['vllm:gpu_cache_usage_perc', { field: 'kvUsage', rank: 1 }],
  ['vllm:num_preemptions_total', { field: 'preemptionsTotal', rank: 0 }],
  ['vllm:num_preemptions', { field: 'preemptionsTotal', rank: 0 }],
  ['vllm:prefix_cache_queries_total', { field: 'prefixCacheQueriesTotal', rank: 0 }],
  ['vllm:prefix_cache_queries', { field: 'prefixCacheQueriesTotal', rank: 0 }],
  ['vllm:gpu_prefix_cache_queries_total', { field: 'prefixCacheQueriesTotal', rank: 1 }],
  ['vllm:gpu_prefix_cache_queries', { field: 'prefixCacheQueriesTotal', rank: 1 }],
  ['vllm:prefix_cache_hits_total', { field: 'prefixCacheHitsTotal', rank: 0 }],
  ['vllm:prefix_cache_hits', { field: 'prefixCacheHitsTotal', rank: 0 }],
  ['vllm:gpu_prefix_cache_hits_total', { field: 'prefixCacheHitsTotal', rank: 1 }],
  ['vllm:gpu_prefix_cache_hits', { field: 'prefixCacheHitsTotal', rank: 1 }],
  ['vllm:prompt_tokens_total', { field: 'promptTokensTotal', rank: 0 }],
  ['vllm:prompt_tokens', { field: 'promptTokensTotal', rank: 0 }],
  ['vllm:generation_tokens_total', { field: 'generationTokensTotal', rank: 0 }],
  ['vllm:generation_tokens', { field: 'generationTokensTotal', rank: 0 }],
]);

const FIELDS: readonly Field[] = [
  'running',
  'waiting',
  'kvUsage',
  'preemptionsTotal',
  'prefixCacheQueriesTotal',
  'prefixCacheHitsTotal',
  'promptTokensTotal',
  'generationTokensTotal',
];

export interface ScrapeResult {
  readonly metrics: InstanceMetrics;
  /** Lines that could not be parsed (skipped). */
  readonly badLines: number;
  /** Fields for which no sample was found (reported as 0). */
  readonly missing: readonly Field[];
}

/** One parsed sample line; `value` may be NaN or +-Infinity. */
export interface PromSample {
  readonly name: string;
  /** The raw text between `{` and `}` (empty when unlabelled); parse with `parseLabels`. */
  readonly labels: string;
  readonly value: number;
}

/**
 * Parses vLLM `/metrics` text. Gauges and counters are summed over label sets (several models or
 * data-parallel engines), except `kvUsage`, which is the mean over label sets so it stays a
 * fraction in [0, 1]. NaN and infinite samples are ignored. Legacy names count only when the current name is absent.
 */
export function parseVllmMetrics(text: string): ScrapeResult {
  // sums[rank][field], counts[rank][field]
  const sums: [Record<Field, number>, Record<Field, number>] = [zeroes(), zeroes()];
  const counts: [Record<Field, number>, Record<Field, number>] = [zeroes(), zeroes()];
  const badLines = forEachSample(
    text,
    (name) => SOURCES.has(name),
    (sample) => {
      const source = SOURCES.get(sample.name);
      if (source === undefined || !Number.isFinite(sample.value)) return;
      sums[source.rank][source.field] += sample.value;
      counts[source.rank][source.field] += 1;
    },
  );
  const out = zeroes();
  const missing: Field[] = [];
  for (const field of FIELDS) {
    const rank = counts[0][field] > 0 ? 0 : counts[1][field] > 0 ? 1 : -1;
    if (rank === -1) {
      missing.push(field);
      continue;
    }
    const sum = sums[rank][field];
    out[field] = field === 'kvUsage' ? clamp01(sum / counts[rank][field]) : sum;
  }
  return { metrics: out, badLines, missing };
}

/**
 * Walks the sample lines of a Prometheus text exposition. `wanted(name)` filters before labels and
 * values are parsed (cheap skipping of the many histogram lines). Returns the number of bad lines.
 */
export function forEachSample(
  text: string,
  wanted: (name: string) => boolean,
  onSample: (sample: PromSample) => void,
): number {
  let bad = 0;
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    let lineEnd = end;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const result = parseLine(text, start, lineEnd, wanted, onSample);
    if (!result) bad++;
    start = end + 1;
  }
  return bad;
}

/** Returns false for a malformed line. Comments, blank lines and unwanted names are fine. */
function parseLine(
  text: string,
  start: number,
  end: number,
  wanted: (name: string) => boolean,
  onSample: (sample: PromSample) => void,
): boolean {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  if (start === end) return true;
  if (text.charCodeAt(start) === 35 /* # */) return true;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || isBlank(c)) break;
    i++;
  }
  if (i === start || i === end) return false;
  const name = text.slice(start, i);
  if (!isMetricName(name)) return false;
  let labels = '';
  if (text.charCodeAt(i) === 123) {
    const close = findLabelsEnd(text, i + 1, end);
    if (close === -1) return false;
    labels = text.slice(i + 1, close);
    i = close + 1;
  }
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  let j = i;
  while (j < end && !isBlank(text.charCodeAt(j))) j++;
  if (j === i) return false;
  const value = parseValue(text.slice(i, j));
  if (value === undefined) return false;
  // An optional timestamp may follow; it must be an integer if present.
  while (j < end && isBlank(text.charCodeAt(j))) j++;
  if (j < end && !/^-?\d+$/.test(text.slice(j, end).trimEnd())) return false;
  if (wanted(name)) onSample({ name, labels, value });
  return true;
}

/** Index of the `}` closing a label set that starts at `from`, honouring quoted, escaped values. */
function findLabelsEnd(text: string, from: number, end: number): number {
  let inQuote = false;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 125 /* } */) {
      return i;
    }
  }
  return -1;
}

/** Parses a label set body (`a="x",b="y\"z"`) into a record. Returns null when malformed. */
export function parseLabels(body: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && (isBlank(body.charCodeAt(i)) || body.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    const eq = body.indexOf('=', i);
    if (eq === -1) return null;
    const key = body.slice(i, eq).trim();
    if (key.length === 0 || body.charCodeAt(eq + 1) !== 34) return null;
    let value = '';
    let j = eq + 2;
    for (; j < n; j++) {
      const c = body.charCodeAt(j);
      if (c === 92) {
        const next = body[j + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        j++;
      } else if (c === 34) {
        break;
      } else {
        value += body[j];
      }
    }
    if (j >= n) return null;
    out[key] = value;
    i = j + 1;
  }
  return out;
}

function parseValue(token: string): number | undefined {
  switch (token) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default: {
      const value = Number(token);
      return Number.isNaN(value) ? undefined : value;
    }
  }
}

function isMetricName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return name.length > 0;
}

const isBlank = (c: number): boolean => c === 32 || c === 9;
const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** An instance's metrics with nothing running and nothing counted yet. */
export const idleMetrics = (): InstanceMetrics => zeroes();

function zeroes(): Record<Field, number> {
  return {
    running: 0,
    waiting: 0,
    kvUsage: 0,
    preemptionsTotal: 0,
    prefixCacheQueriesTotal: 0,
    prefixCacheHitsTotal: 0,
    promptTokensTotal: 0,
    generationTokensTotal: 0,
  };
}
