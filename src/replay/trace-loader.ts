/**
 * Loads a whole trace into replay requests: scans the file (streaming, see trace-scan.ts), sorts, rebases
 * time to the first kept request and applies time scaling (`speed`, `rate`, or `scaleTraceToRate` for a
 * load target). Holds the kept requests, never the file text.
 */
import { FairwayError } from '../errors.js';
import type { ColumnMap, PriorityRule, TraceFormat } from './trace-format.js';
import { scanTrace } from './trace-scan.js';
import type { MalformedRow, ScannedRow } from './trace-scan.js';
import type { TenantMode } from './trace-tenants.js';

export type { MalformedRow, ScannedRow } from './trace-scan.js';
export { scanTrace } from './trace-scan.js';

/** One request of a loaded trace, in replay time. */
export interface TraceRequest {
  /** Position in the loaded trace (0-based, after filtering and sorting). */
  readonly index: number;
  /** 1-based line number in the source file. */
  readonly line: number;
  /** Send time in ms after the first kept request, after time scaling. */
  readonly arrivalMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly tenant: string;
  readonly weight: number;
  /** Larger is more urgent; 0 is the default class. */
  readonly priority: number;
  readonly sessionId?: string;
  readonly model?: string;
}

export interface TraceLoadStats {
  readonly linesRead: number;
  readonly rowsParsed: number;
  readonly kept: number;
  readonly failedDropped: number;
  readonly outsideWindow: number;
  readonly malformedCount: number;
  /** The first `maxMalformedReported` malformed rows with line numbers. */
  readonly malformed: readonly MalformedRow[];
  /** Rows whose time was before the previous row's; the result is sorted stably by time. */
  readonly outOfOrder: number;
  /** Time compression applied: trace ms / replay ms. */
  readonly speed: number;
  /** Span of the kept requests in replay ms (first to last arrival). */
  readonly spanMs: number;
  /** (n - 1) / span in req/s, after scaling; 0 with fewer than two requests. */
  readonly meanRateReqPerS: number;
}

export interface LoadedTrace {
  readonly path: string;
  readonly format: TraceFormat;
  readonly requests: readonly TraceRequest[];
  readonly stats: TraceLoadStats;
}

export interface LoadTraceOptions {
  readonly format?: TraceFormat | 'auto';
  readonly columns?: Partial<ColumnMap>;
  /** Drop rows with 0 output tokens (failed requests in BurstGPT). Default true. */
  readonly dropFailed?: boolean;
  /** Keep rows with time offset (from the file's first row, trace seconds) in [startS, endS). */
  readonly windowStartS?: number;
  readonly windowEndS?: number;
  /** Time compression: replay time = trace time / speed. Exclusive with `rate`. */
  readonly speed?: number;
  /** Scale time so the mean request rate is this many req/s. */
  readonly rate?: number;
  readonly maxRequests?: number;
  readonly tenants?: TenantMode;
  readonly priorityRules?: readonly PriorityRule[];
  readonly seed?: number;
  readonly maxMalformedReported?: number;
}

function meanRate(requests: readonly { arrivalMs: number }[]): { spanMs: number; rate: number } {
  const first = requests[0];
  const last = requests[requests.length - 1];
  if (first === undefined || last === undefined) return { spanMs: 0, rate: 0 };
  const spanMs = last.arrivalMs - first.arrivalMs;
  return { spanMs, rate: spanMs > 0 ? ((requests.length - 1) * 1000) / spanMs : 0 };
}

/** Rescales arrivals by `speed` (replay = trace / speed); pure. */
export function scaleTraceBySpeed(trace: LoadedTrace, speed: number): LoadedTrace {
  if (!(speed > 0)) throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `speed must be > 0, got ${speed}` });
  const requests = trace.requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs / speed }));
  const { spanMs, rate } = meanRate(requests);
  const stats = { ...trace.stats, speed: trace.stats.speed * speed, spanMs, meanRateReqPerS: rate };
  return { ...trace, requests, stats };
}

/**
 * Rescales arrivals so the mean rate is `reqPerS`. This is the hook for `--load RHO`: the caller measures
 * capacity, computes the target rate and calls this. A trace with no span is returned unchanged.
 */
export function scaleTraceToRate(trace: LoadedTrace, reqPerS: number): LoadedTrace {
  if (!(reqPerS > 0)) throw new FairwayError('FW_ERR_CLI_USAGE', { detail: `rate must be > 0, got ${reqPerS}` });
  const current = trace.stats.meanRateReqPerS;
  return current > 0 ? scaleTraceBySpeed(trace, reqPerS / current) : trace;
}

/** Loads a trace file. See `docs/reports.md` and `traces/README.md` for formats and options. */
export async function loadTrace(path: string, options: LoadTraceOptions = {}): Promise<LoadedTrace> {
  if (options.speed !== undefined && options.rate !== undefined) {
    throw new FairwayError('FW_ERR_CLI_USAGE', { detail: 'give either speed or rate, not both' });
  }
  const kept: ScannedRow[] = [];
  const scan = await scanTrace(path, options, (row) => {
    kept.push(row);
  });
  if (scan.outOfOrder > 0) kept.sort((a, b) => a.arrivalMs - b.arrivalMs); // Array.prototype.sort is stable
  const t0 = kept[0]?.arrivalMs ?? 0;
  const requests: TraceRequest[] = kept.map((r, index) => ({ ...r, index, arrivalMs: r.arrivalMs - t0 }));
  const { spanMs, rate } = meanRate(requests);
  const { format, ...counts } = scan;
  let trace: LoadedTrace = {
    path,
    format,
    requests,
    stats: { ...counts, kept: requests.length, speed: 1, spanMs, meanRateReqPerS: rate },
  };
  if (options.speed !== undefined) trace = scaleTraceBySpeed(trace, options.speed);
  if (options.rate !== undefined) trace = scaleTraceToRate(trace, options.rate);
  return trace;
}
