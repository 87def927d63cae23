/**
 * Who is asking: maps an API key (Authorization: Bearer, or x-api-key) to a tenant with its weight
 * and priority ceiling, and checks the admin key. Keys are only ever held as SHA-256 digests.
 */
import { createHash } from 'node:crypto';
import { asTenantId, type TenantId } from '../core/ids.js';
import type { AuthConfig, TenantConfig } from '../config/schema.js';
import { FairwayError } from '../errors.js';

export interface Tenant {
  readonly id: TenantId;
  readonly weight: number;
  readonly maxPriority: number;
  readonly defaultPriority: number;
}

export const ANONYMOUS_TENANT: Tenant = Object.freeze({
  id: asTenantId('anonymous'),
  weight: 1,
  maxPriority: 0,
  defaultPriority: 0,
});

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

function bearer(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return m?.[1] ?? null;
}

export interface TenantDirectory {
  /** The tenant for these headers, or a FW_ERR_UNAUTHORIZED error. */
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): Tenant;
  /** Throws FW_ERR_UNAUTHORIZED / FW_ERR_FORBIDDEN unless the headers carry the admin key. */
  authorizeAdmin(headers: Readonly<Record<string, string | string[] | undefined>>): void;
  /** Weight per tenant id, for the scheduler. */
  weights(): Record<string, number>;
  /** The priority class for a request: asked (body or x-priority) or the tenant default, capped by its ceiling. */
  priorityFor(tenant: Tenant, asked: number | undefined): number;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createTenantDirectory(
  tenants: readonly TenantConfig[],
  auth: AuthConfig,
  adminKeyClear: string | undefined,
): TenantDirectory {
  const byDigest = new Map<string, Tenant>();
  const weights: Record<string, number> = {};
  for (const t of tenants) {
    const tenant: Tenant = Object.freeze({
      id: asTenantId(t.id),
      weight: t.weight,
      maxPriority: t.maxPriority,
      defaultPriority: Math.min(t.defaultPriority, t.maxPriority),
    });
    weights[t.id] = t.weight;
    for (const digest of t.apiKeySha256) byDigest.set(digest, tenant);
  }
  const anonymousAllowed = auth.anonymous === 'auto' ? byDigest.size === 0 : auth.anonymous;
  const anonymous = tenants.find((t) => t.id === 'anonymous');
  const anonymousTenant: Tenant =
    anonymous === undefined
      ? ANONYMOUS_TENANT
      : Object.freeze({
          id: asTenantId('anonymous'),
          weight: anonymous.weight,
          maxPriority: anonymous.maxPriority,
          defaultPriority: Math.min(anonymous.defaultPriority, anonymous.maxPriority),
        });
  const adminDigest =
    adminKeyClear !== undefined && adminKeyClear !== '' ? sha256Hex(adminKeyClear) : auth.adminKeySha256;

  return {
    authenticate(headers) {
      const key = bearer(header(headers, 'authorization')) ?? header(headers, 'x-api-key') ?? null;
      if (key !== null) {
        const tenant = byDigest.get(sha256Hex(key));
        if (tenant !== undefined) return tenant;
      }
      if (anonymousAllowed) return anonymousTenant;
      throw new FairwayError('FW_ERR_UNAUTHORIZED');
    },
    authorizeAdmin(headers) {
      if (adminDigest === undefined || adminDigest === null) {
        throw new FairwayError('FW_ERR_FORBIDDEN', {
          detail: 'The admin API is disabled: set auth.adminKeySha256 or FAIRWAY_ADMIN_KEY',
        });
      }
      const key = bearer(header(headers, 'authorization')) ?? header(headers, 'x-api-key');
      if (key === undefined || sha256Hex(key) !== adminDigest) throw new FairwayError('FW_ERR_UNAUTHORIZED');
    },
    weights: () => ({ ...weights }),
    priorityFor(tenant, asked) {
      return Math.min(asked ?? tenant.defaultPriority, tenant.maxPriority);
    },
  };
}

/** Reads the `x-priority` header: an integer, or undefined when absent. */
export function priorityHeader(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const raw = header(headers, 'x-priority');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || Math.abs(n) > 1_000_000) {
    throw new FairwayError(
      'FW_ERR_VALIDATION',
      { detail: `Invalid x-priority header: ${raw}` },
      { param: 'x-priority' },
    );
  }
  return n;
}
