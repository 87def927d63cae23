/**
 * Streams a trace file line by line (node:readline over a file stream; the file is never held whole in
 * memory), parsing rows by header name and applying the row filters, tenants and priorities, and hands
 * each kept row to a callback. Malformed rows are counted with line numbers, never fatal; an unreadable
 * file is FW_ERR_TRACE_UNREADABLE. Does no sorting or time scaling (see trace-loader.ts).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FairwayError } from '../errors.js';
import { createRowParser } from './trace-format.js';
import type { RowParser, TraceFormat } from './trace-format.js';
import type { LoadTraceOptions, TraceRequest } from './trace-loader.js';
import { createTenantAssigner } from './trace-tenants.js';

export interface MalformedRow {
  readonly line: number;
  readonly reason: string;
}

/** A kept row; `arrivalMs` is the offset from the file's first parsed row, unscaled. */
export type ScannedRow = Omit<TraceRequest, 'index'>;

export interface ScanResult {
  readonly format: TraceFormat;
  readonly linesRead: number;
  readonly rowsParsed: number;
  readonly failedDropped: number;
  readonly outsideWindow: number;
  readonly malformedCount: number;
  readonly malformed: readonly MalformedRow[];
  readonly outOfOrder: number;
}

function unreadable(path: string, e: unknown): FairwayError {
  const detail = e instanceof Error ? e.message : String(e);
  return new FairwayError('FW_ERR_TRACE_UNREADABLE', { path, detail }, { cause: e });
}

async function assertReadable(path: string): Promise<void> {
  // Opening eagerly turns a missing or unreadable file into one clear error before streaming starts.
  try {
    const handle = await open(path, 'r');
    await handle.close();
  } catch (e) {
    throw unreadable(path, e);
  }
}

/**
 * Calls `onRow` for each kept row in file order; returning `false` stops the scan. Stops by itself after
 * `options.maxRequests` kept rows. Uses the filter, tenant and priority options; ignores speed and rate.
 */
export async function scanTrace(
  path: string,
  options: LoadTraceOptions,
  onRow: (row: ScannedRow) => boolean | void,
): Promise<ScanResult> {
  await assertReadable(path);
  const dropFailed = options.dropFailed ?? true;
  const maxReported = options.maxMalformedReported ?? 100;
  const startMs = options.windowStartS === undefined ? -Infinity : options.windowStartS * 1000;
  const endMs = options.windowEndS === undefined ? Infinity : options.windowEndS * 1000;
  const maxRequests = options.maxRequests ?? Infinity;
  const assigner = createTenantAssigner(options.tenants ?? { kind: 'row' }, options.seed ?? 1);

  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let parser: RowParser | null = null;
  let lineNo = 0;
  let rowsParsed = 0;
  let failedDropped = 0;
  let outsideWindow = 0;
  let malformedCount = 0;
  let outOfOrder = 0;
  let lastOffsetMs = -Infinity;
  const malformed: MalformedRow[] = [];
  let keptCount = 0;
  const onMalformed = (line: number, reason: string): void => {
    malformedCount++;
    if (malformed.length < maxReported) malformed.push({ line, reason });
  };

  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      if (parser === null) {
        const header = createRowParser(line, {
          ...(options.format !== undefined ? { format: options.format } : {}),
          ...(options.columns !== undefined ? { columns: options.columns } : {}),
          ...(options.priorityRules !== undefined ? { priorityRules: options.priorityRules } : {}),
        });
        if (header.kind === 'unknown') throw new FairwayError('FW_ERR_TRACE_FORMAT', { path, detail: header.detail });
        parser = header.parser;
        if (parser.format !== 'jsonl') continue;
      }
      const result = parser.parse(line);
      if (result.kind === 'malformed') {
        onMalformed(lineNo, result.reason);
        continue;
      }
      rowsParsed++;
      const row = result.row;
      if (row.offsetMs < lastOffsetMs) outOfOrder++;
      lastOffsetMs = Math.max(lastOffsetMs, row.offsetMs);
      if (dropFailed && row.outputTokens === 0) {
        failedDropped++;
        continue;
      }
      if (row.offsetMs < startMs || row.offsetMs >= endMs) {
        outsideWindow++;
        continue;
      }
      const { tenant, weight } = assigner.assign(row);
      keptCount++;
      const more = onRow({
        line: lineNo,
        arrivalMs: row.offsetMs,
        promptTokens: row.promptTokens,
        outputTokens: row.outputTokens,
        tenant,
        weight,
        priority: row.priority,
        ...(row.sessionId !== undefined ? { sessionId: row.sessionId } : {}),
        ...(row.model !== undefined ? { model: row.model } : {}),
      });
      if (more === false || keptCount >= maxRequests) break;
    }
  } catch (e) {
    if (e instanceof FairwayError) throw e;
    throw unreadable(path, e);
  } finally {
    lines.close();
    stream.destroy();
  }
  if (parser === null) throw new FairwayError('FW_ERR_TRACE_FORMAT', { path, detail: 'the file is empty' });

  return {
    format: parser.format,
    linesRead: lineNo,
    rowsParsed,
    failedDropped,
    outsideWindow,
    malformedCount,
    malformed,
    outOfOrder,
  };
}
