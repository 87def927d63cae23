/**
 * Tenant and priority assignment for trace rows: from the row itself (session id or tenant column), from
 * a `name:weight:share,...` spec, or Zipf over K tenants, always by a seeded Rng so the same seed gives the
 * same assignment. Pure: no I/O.
 */
import { SeededRng } from '../core/rng.js';
import type { Rng } from '../core/rng.js';
import { FairwayError } from '../errors.js';
import type { PriorityRule } from './trace-format.js';

export interface TenantShare {
  readonly name: string;
  readonly weight: number;
  /** Share of the requests this tenant receives (normalized over all tenants). */
  readonly share: number;
}

/** How rows get tenants. `row` uses the tenant column, else the session id, else `default`. */
export type TenantMode =
  | { readonly kind: 'row' }
  | { readonly kind: 'shares'; readonly tenants: readonly TenantShare[] }
  | { readonly kind: 'zipf'; readonly count: number; readonly exponent: number };

const usage = (detail: string): FairwayError => new FairwayError('FW_ERR_CLI_USAGE', { detail });

/** Parses `"a:2:0.5,b:1:0.5"` (name:weight:share; weight and share default to 1). */
export function parseTenantSpec(spec: string): TenantShare[] {
  const tenants = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((part) => {
      const [name = '', weightText = '1', shareText = '1'] = part.split(':');
      const weight = Number(weightText);
      const share = Number(shareText);
      if (name === '' || !(weight > 0) || !(share > 0)) {
        throw usage(`bad tenant "${part}": expected name:weight:share with weight > 0 and share > 0`);
      }
      return { name, weight, share };
    });
  if (tenants.length === 0) throw usage('the tenant list is empty');
  if (new Set(tenants.map((t) => t.name)).size !== tenants.length) throw usage('duplicate tenant name');
  return tenants;
}

/** Parses `"Model=GPT-4"` or `"Model=GPT-4:2,Log Type=API log:1"` (priority defaults to 1). */
export function parsePriorityRules(spec: string): PriorityRule[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw usage(`bad priority rule "${part}": expected Column=Value[:priority]`);
      const column = part.slice(0, eq);
      let value = part.slice(eq + 1);
      let priority = 1;
      const colon = value.lastIndexOf(':');
      if (colon >= 0 && /^-?\d+$/.test(value.slice(colon + 1))) {
        priority = Number(value.slice(colon + 1));
        value = value.slice(0, colon);
      }
      return { column, value, priority };
    });
}

/** Zipf(s) shares over `count` tenants named t01..tK, heaviest first. */
export function zipfTenants(count: number, exponent: number): TenantShare[] {
  if (!Number.isInteger(count) || count < 1) throw usage(`tenant count must be a positive integer, got ${count}`);
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    name: `t${String(i + 1).padStart(width, '0')}`,
    weight: 1,
    share: 1 / Math.pow(i + 1, exponent),
  }));
}

export interface TenantAssignment {
  readonly tenant: string;
  readonly weight: number;
}

export interface TenantAssigner {
  assign(row: { readonly tenant?: string; readonly sessionId?: string; readonly weight?: number }): TenantAssignment;
}

/** A tenant picker that draws from cumulative shares with a seeded Rng (one draw per row). */
export function createTenantAssigner(mode: TenantMode, seed: number, rng: Rng = new SeededRng(seed)): TenantAssigner {
  if (mode.kind === 'row') {
    return {
      assign: (row) => ({ tenant: row.tenant ?? row.sessionId ?? 'default', weight: row.weight ?? 1 }),
    };
  }
  const tenants = mode.kind === 'shares' ? mode.tenants : zipfTenants(mode.count, mode.exponent);
  const total = tenants.reduce((s, t) => s + t.share, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const t of tenants) {
    acc += t.share / total;
    cumulative.push(acc);
  }
  return {
    assign: () => {
      const u = rng.next();
      let i = cumulative.findIndex((c) => u < c);
      if (i < 0) i = tenants.length - 1;
      const t = tenants[i]!;
      return { tenant: t.name, weight: t.weight };
    },
  };
}
