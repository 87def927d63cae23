/**
 * Trace formats: header detection and per-row parsing for BurstGPT (v1/v2 and v3), Azure LLM 2023 and a
 * generic CSV/JSONL with a column map. Columns are found by header name, never by position. Parsers
 * return tagged values (a row or a reason it is malformed); they never throw on bad data and never do I/O.
 */
import { splitCsvLine } from './csv-line.js';
import { OffsetTracker, parseAzureTimestamp, parseCount, parseDecimal } from './trace-values.js';

export { parseAzureTimestamp } from './trace-values.js';

export type TraceFormat = 'burstgpt' | 'burstgpt-v3' | 'azure' | 'csv' | 'jsonl';
export const TRACE_FORMATS: readonly TraceFormat[] = ['burstgpt', 'burstgpt-v3', 'azure', 'csv', 'jsonl'];

/** Column names for the generic formats. Defaults are what `fairway trace gen` writes. */
export interface ColumnMap {
  readonly time: string;
  /** Unit of the time column: seconds or milliseconds (numbers), relative or absolute. */
  readonly timeUnit: 's' | 'ms';
  readonly promptTokens: string;
  readonly outputTokens: string;
  readonly tenant?: string;
  readonly weight?: string;
  readonly priority?: string;
  readonly session?: string;
}

export const DEFAULT_COLUMN_MAP: ColumnMap = {
  time: 'arrival_ms',
  timeUnit: 'ms',
  promptTokens: 'prompt_tokens',
  outputTokens: 'output_tokens',
  tenant: 'tenant',
  weight: 'weight',
  priority: 'priority',
  session: 'session_id',
};

/** `Column=Value` gives `priority` to rows whose column equals the value (e.g. `Model=GPT-4` -> 1). */
export interface PriorityRule {
  readonly column: string;
  readonly value: string;
  readonly priority: number;
}

export interface ParsedRow {
  /** Milliseconds after the file's first parsed row, exact to the source's resolution. */
  readonly offsetMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly priority: number;
  readonly sessionId?: string;
  readonly tenant?: string;
  readonly weight?: number;
  readonly model?: string;
}

export type RowResult =
  { readonly kind: 'row'; readonly row: ParsedRow } | { readonly kind: 'malformed'; readonly reason: string };

/** A parsed row; empty optional fields are left out rather than stored as '' or undefined. */
function rowOf(
  offsetMs: number,
  promptTokens: number,
  outputTokens: number,
  priority: number,
  extra: {
    sessionId?: string | undefined;
    tenant?: string | undefined;
    weight?: number | undefined;
    model?: string | undefined;
  },
): RowResult {
  const { sessionId, tenant, weight, model } = extra;
  return {
    kind: 'row',
    row: {
      offsetMs,
      promptTokens,
      outputTokens,
      priority,
      ...(sessionId !== undefined && sessionId !== '' ? { sessionId } : {}),
      ...(tenant !== undefined && tenant !== '' ? { tenant } : {}),
      ...(weight !== undefined ? { weight } : {}),
      ...(model !== undefined && model !== '' ? { model } : {}),
    },
  };
}

export interface RowParser {
  readonly format: TraceFormat;
  parse(line: string): RowResult;
}

export type HeaderResult =
  { readonly kind: 'ok'; readonly parser: RowParser } | { readonly kind: 'unknown'; readonly detail: string };

export interface ParserOptions {
  readonly format?: TraceFormat | 'auto';
  readonly columns?: Partial<ColumnMap>;
  readonly priorityRules?: readonly PriorityRule[];
}

/** Picks the format from the first line (CSV header or first JSONL object) unless `format` forces one. */
export function detectFormat(firstLine: string): TraceFormat | null {
  const t = firstLine.trim();
  if (t.startsWith('{')) return 'jsonl';
  const cols = (splitCsvLine(t) ?? []).map((c) => c.trim());
  const has = (c: string): boolean => cols.includes(c);
  if (has('TIMESTAMP') && has('ContextTokens') && has('GeneratedTokens')) return 'azure';
  if (has('Timestamp') && has('Request tokens') && has('Response tokens')) {
    return has('Session ID') ? 'burstgpt-v3' : 'burstgpt';
  }
  if (has(DEFAULT_COLUMN_MAP.time) && has(DEFAULT_COLUMN_MAP.promptTokens)) return 'csv';
  return null;
}

function compileRules(
  rules: readonly PriorityRule[],
  lookup: (column: string) => number,
): { index: number; value: string; priority: number }[] {
  return rules.map((r) => ({ index: lookup(r.column), value: r.value, priority: r.priority }));
}

/**
 * Builds the row parser for a file from its first line. For CSV formats the first line is the header
 * and is consumed; for JSONL it is data (`headerIsData`).
 */
export function createRowParser(firstLine: string, options: ParserOptions = {}): HeaderResult {
  const requested = options.format ?? 'auto';
  const format = requested === 'auto' ? detectFormat(firstLine) : requested;
  if (format === null) {
    return { kind: 'unknown', detail: `unrecognized header "${firstLine.slice(0, 120)}"; pass a format` };
  }
  const rules = options.priorityRules ?? [];
  if (format === 'jsonl')
    return { kind: 'ok', parser: jsonlParser({ ...DEFAULT_COLUMN_MAP, ...options.columns }, rules) };
  const header = (splitCsvLine(firstLine.trim()) ?? []).map((c) => c.trim());
  const idx = (name: string | undefined): number => (name === undefined ? -1 : header.indexOf(name));
  const need = (names: string[]): string | null => {
    const missing = names.filter((n) => idx(n) < 0);
    return missing.length === 0 ? null : `missing column(s) ${missing.map((n) => `"${n}"`).join(', ')}`;
  };
  const ruleIdx = compileRules(rules, idx);
  const missingRule = rules.find((r) => idx(r.column) < 0);
  if (missingRule !== undefined)
    return { kind: 'unknown', detail: `priority rule column "${missingRule.column}" is not in the header` };

  switch (format) {
    case 'burstgpt':
    case 'burstgpt-v3': {
      const missing = need(['Timestamp', 'Request tokens', 'Response tokens']);
      if (missing !== null) return { kind: 'unknown', detail: missing };
      const detected: TraceFormat = idx('Session ID') >= 0 ? 'burstgpt-v3' : 'burstgpt';
      return {
        kind: 'ok',
        parser: csvParser(detected, header.length, {
          time: idx('Timestamp'),
          timeKind: 'decimal',
          unitMs: 1000,
          prompt: idx('Request tokens'),
          output: idx('Response tokens'),
          session: idx('Session ID'),
          model: idx('Model'),
          tenant: -1,
          weight: -1,
          priority: -1,
          rules: ruleIdx,
        }),
      };
    }
    case 'azure': {
      const missing = need(['TIMESTAMP', 'ContextTokens', 'GeneratedTokens']);
      if (missing !== null) return { kind: 'unknown', detail: missing };
      return {
        kind: 'ok',
        parser: csvParser('azure', header.length, {
          time: idx('TIMESTAMP'),
          timeKind: 'azure',
          unitMs: 1000,
          prompt: idx('ContextTokens'),
          output: idx('GeneratedTokens'),
          session: -1,
          model: -1,
          tenant: -1,
          weight: -1,
          priority: -1,
          rules: ruleIdx,
        }),
      };
    }
    case 'csv': {
      const map = { ...DEFAULT_COLUMN_MAP, ...options.columns };
      const missing = need([map.time, map.promptTokens, map.outputTokens]);
      if (missing !== null) return { kind: 'unknown', detail: missing };
      return {
        kind: 'ok',
        parser: csvParser('csv', header.length, {
          time: idx(map.time),
          timeKind: 'decimal',
          unitMs: map.timeUnit === 's' ? 1000 : 1,
          prompt: idx(map.promptTokens),
          output: idx(map.outputTokens),
          session: idx(map.session),
          model: -1,
          tenant: idx(map.tenant),
          weight: idx(map.weight),
          priority: idx(map.priority),
          rules: ruleIdx,
        }),
      };
    }
  }
}

interface CsvLayout {
  time: number;
  timeKind: 'decimal' | 'azure';
  unitMs: number;
  prompt: number;
  output: number;
  session: number;
  model: number;
  tenant: number;
  weight: number;
  priority: number;
  rules: { index: number; value: string; priority: number }[];
}

function csvParser(format: TraceFormat, columnCount: number, layout: CsvLayout): RowParser {
  const tracker = new OffsetTracker(layout.unitMs);
  const at = (fields: string[], i: number): string | undefined => (i < 0 ? undefined : fields[i]?.trim());
  return {
    format,
    parse(line: string): RowResult {
      const fields = splitCsvLine(line);
      if (fields === null) return { kind: 'malformed', reason: 'unterminated quote' };
      if (fields.length !== columnCount) {
        return { kind: 'malformed', reason: `expected ${columnCount} fields, got ${fields.length}` };
      }
      const timeText = at(fields, layout.time) ?? '';
      const time = layout.timeKind === 'azure' ? parseAzureTimestamp(timeText) : parseDecimal(timeText);
      if (time === null) return { kind: 'malformed', reason: `bad timestamp "${timeText}"` };
      const promptTokens = parseCount(at(fields, layout.prompt));
      const outputTokens = parseCount(at(fields, layout.output));
      if (promptTokens === null)
        return { kind: 'malformed', reason: `bad prompt token count "${at(fields, layout.prompt)}"` };
      if (outputTokens === null)
        return { kind: 'malformed', reason: `bad output token count "${at(fields, layout.output)}"` };
      let priority = 0;
      const priorityText = at(fields, layout.priority);
      if (priorityText !== undefined && priorityText !== '') {
        const p = Number(priorityText);
        if (!Number.isInteger(p)) return { kind: 'malformed', reason: `bad priority "${priorityText}"` };
        priority = p;
      }
      for (const rule of layout.rules) {
        if (fields[rule.index]?.trim() === rule.value) priority = Math.max(priority, rule.priority);
      }
      let weight: number | undefined;
      const weightText = at(fields, layout.weight);
      if (weightText !== undefined && weightText !== '') {
        weight = Number(weightText);
        if (!(weight > 0)) return { kind: 'malformed', reason: `bad weight "${weightText}"` };
      }
      const sessionId = at(fields, layout.session);
      const tenant = at(fields, layout.tenant);
      const model = at(fields, layout.model);
      return rowOf(tracker.offsetMs(time), promptTokens, outputTokens, priority, { sessionId, tenant, weight, model });
    },
  };
}

function jsonlParser(map: ColumnMap, rules: readonly PriorityRule[]): RowParser {
  const tracker = new OffsetTracker(map.timeUnit === 's' ? 1000 : 1);
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  return {
    format: 'jsonl',
    parse(line: string): RowResult {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        return { kind: 'malformed', reason: 'invalid JSON' };
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
        return { kind: 'malformed', reason: 'not an object' };
      const o = obj as Record<string, unknown>;
      const time = parseDecimal(str(o[map.time]) ?? '');
      if (time === null) return { kind: 'malformed', reason: `bad "${map.time}"` };
      const promptTokens = parseCount(str(o[map.promptTokens]));
      const outputTokens = parseCount(str(o[map.outputTokens]));
      if (promptTokens === null) return { kind: 'malformed', reason: `bad "${map.promptTokens}"` };
      if (outputTokens === null) return { kind: 'malformed', reason: `bad "${map.outputTokens}"` };
      const p = map.priority === undefined ? undefined : o[map.priority];
      let priority = typeof p === 'number' && Number.isInteger(p) ? p : 0;
      for (const rule of rules) if (str(o[rule.column]) === rule.value) priority = Math.max(priority, rule.priority);
      const w = map.weight === undefined ? undefined : o[map.weight];
      const tenant = map.tenant === undefined ? undefined : str(o[map.tenant]);
      const sessionId = map.session === undefined ? undefined : str(o[map.session]);
      const weight = typeof w === 'number' && w > 0 ? w : undefined;
      return rowOf(tracker.offsetMs(time), promptTokens, outputTokens, priority, { sessionId, tenant, weight });
    },
  };
}
