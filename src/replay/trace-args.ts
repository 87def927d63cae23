/**
 * Command-line pieces shared by every command that reads a trace (`replay`, `simulate`, `compare`):
 * numbers with checks, tenant modes, and the mapping of trace flags onto `LoadTraceOptions`.
 * Usage errors are FW_ERR_CLI_USAGE; nothing here reads files or prints.
 */
import { FairwayError } from '../errors.js';
import { TRACE_FORMATS, type ColumnMap, type TraceFormat } from './trace-format.js';
import type { LoadTraceOptions } from './trace-loader.js';
import { parsePriorityRules, parseTenantSpec, type TenantMode } from './trace-tenants.js';

export const cliUsage = (detail: string): FairwayError => new FairwayError('FW_ERR_CLI_USAGE', { detail });

/** Parses `--name text` as a number passing `check` (default: positive); undefined when absent. */
export function cliNumber(
  name: string,
  text: string | undefined,
  check: (n: number) => boolean = (n) => n > 0,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw cliUsage(`--${name}: invalid value "${text}"`);
  return n;
}

/** `--tenants name:weight:share,...` or `--zipf-tenants K[:S]` (not both). */
export function tenantModeFromArgs(spec: string | undefined, zipf: string | undefined): TenantMode | undefined {
  if (spec !== undefined && zipf !== undefined) throw cliUsage('give either --tenants or --zipf-tenants');
  if (spec !== undefined) return { kind: 'shares', tenants: parseTenantSpec(spec) };
  if (zipf === undefined) return undefined;
  const [k = '', e = '1.1'] = zipf.split(':');
  return {
    kind: 'zipf',
    count: cliNumber('zipf-tenants', k, (n) => Number.isInteger(n) && n > 0)!,
    exponent: cliNumber('zipf-tenants', e, (n) => n >= 0)!,
  };
}

const COLUMN_KEYS = ['time', 'timeUnit', 'promptTokens', 'outputTokens', 'tenant', 'weight', 'priority', 'session'];

/** `--columns time=ts,timeUnit=s,promptTokens=in,...` for generic CSV/JSONL traces. */
export function columnsFromArgs(text: string): Partial<ColumnMap> {
  const map: { -readonly [K in keyof ColumnMap]?: ColumnMap[K] } = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || value === '' || !COLUMN_KEYS.includes(key)) {
      throw cliUsage(`--columns: bad entry "${part}" (keys: ${COLUMN_KEYS.join(', ')})`);
    }
    if (key === 'timeUnit') {
      if (value !== 's' && value !== 'ms') throw cliUsage('--columns: timeUnit is s or ms');
      map.timeUnit = value;
    } else {
      map[key as Exclude<keyof ColumnMap, 'timeUnit'>] = value;
    }
  }
  return map;
}

/** The trace flags every trace-reading command accepts. */
export interface TraceArgValues {
  readonly format?: string | undefined;
  readonly columns?: string | undefined;
  readonly window?: string | undefined;
  readonly 'keep-failed'?: boolean | undefined;
  readonly tenants?: string | undefined;
  readonly 'zipf-tenants'?: string | undefined;
  readonly 'priority-rule'?: string | undefined;
}

/** Maps the shared trace flags (plus the command's own scaling choices) onto `LoadTraceOptions`. */
export function traceLoadOptions(
  v: TraceArgValues,
  seed: number,
  scaling: {
    readonly speed?: number | undefined;
    readonly rate?: number | undefined;
    readonly maxRequests?: number | undefined;
  },
): LoadTraceOptions {
  if (v.format !== undefined && v.format !== 'auto' && !TRACE_FORMATS.includes(v.format as TraceFormat)) {
    throw cliUsage(`--format must be one of ${TRACE_FORMATS.join(', ')}`);
  }
  let windowStartS: number | undefined;
  let windowEndS: number | undefined;
  if (v.window !== undefined) {
    const [a = '', z = ''] = v.window.split(':');
    windowStartS = a === '' ? undefined : cliNumber('window', a, (n) => n >= 0);
    windowEndS = z === '' ? undefined : cliNumber('window', z, (n) => n >= 0);
  }
  const tenants = tenantModeFromArgs(v.tenants, v['zipf-tenants']);
  return {
    seed,
    dropFailed: v['keep-failed'] !== true,
    ...(v.format !== undefined ? { format: v.format as TraceFormat | 'auto' } : {}),
    ...(v.columns !== undefined ? { columns: columnsFromArgs(v.columns) } : {}),
    ...(windowStartS !== undefined ? { windowStartS } : {}),
    ...(windowEndS !== undefined ? { windowEndS } : {}),
    ...(scaling.maxRequests !== undefined ? { maxRequests: scaling.maxRequests } : {}),
    ...(scaling.speed !== undefined ? { speed: scaling.speed } : {}),
    ...(scaling.rate !== undefined ? { rate: scaling.rate } : {}),
    ...(tenants !== undefined ? { tenants } : {}),
    ...(v['priority-rule'] !== undefined ? { priorityRules: parsePriorityRules(v['priority-rule']) } : {}),
  };
}
