/**
 * Which requests may read the cache and which answers may be written to it. Only complete,
 * successful, single-choice answers within the category's temperature bound are stored; the client
 * can opt out with `Cache-Control: no-store` / `no-cache` or a per-request flag. Tagged outcomes only.
 */
import { lastUserIndex } from './keys.js';
import type { Admission, CachePolicyConfig, CacheRequest, CacheResponse, CategoryConfig } from './types.js';

/** Directives of a `Cache-Control` header, lowercase, without arguments (`max-age=0` -> `max-age`). */
export function cacheControlDirectives(header: string | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  if (header === undefined) return out;
  for (const part of header.split(',')) {
    const d = part.trim().toLowerCase().split('=')[0]!.trim();
    if (d.length > 0) out.add(d);
  }
  return out;
}

/** Reasons shared by lookup and store: the request itself rules the cache out. */
function requestRejection(
  config: CachePolicyConfig,
  category: CategoryConfig | undefined,
  request: CacheRequest,
): Admission | null {
  if (request.optOut === true) return { admit: false, reason: 'opted-out' };
  if (category === undefined) return { admit: false, reason: 'unknown-category' };
  if (category.ttlSeconds <= 0) return { admit: false, reason: 'ttl-zero' };
  if ((request.n ?? 1) !== 1) return { admit: false, reason: 'n-not-one' };
  if (request.hasTools === true && !config.allowTools) return { admit: false, reason: 'tools' };
  if ((request.temperature ?? config.defaultTemperature) > category.maxTemperature) {
    return { admit: false, reason: 'temperature' };
  }
  if (lastUserIndex(request.messages) < 0) return { admit: false, reason: 'incomplete' };
  return null;
}

/**
 * May this request be answered from the cache? `no-cache` and `no-store` both force a fresh answer
 * (`no-cache` still lets the fresh answer be stored; `no-store` does not).
 */
export function mayLookup(
  config: CachePolicyConfig,
  category: CategoryConfig | undefined,
  request: CacheRequest,
): Admission {
  const r = requestRejection(config, category, request);
  if (r !== null) return r;
  const cc = cacheControlDirectives(request.cacheControl);
  if (cc.has('no-store')) return { admit: false, reason: 'no-store' };
  if (cc.has('no-cache')) return { admit: false, reason: 'opted-out' };
  return { admit: true };
}

/** May this finished answer be stored? Only complete, successful answers of cacheable requests. */
export function isAdmissible(
  config: CachePolicyConfig,
  category: CategoryConfig | undefined,
  request: CacheRequest,
  response: CacheResponse,
): Admission {
  const r = requestRejection(config, category, request);
  if (r !== null) return r;
  if (cacheControlDirectives(request.cacheControl).has('no-store')) return { admit: false, reason: 'no-store' };
  if (response.error || response.status < 200 || response.status >= 300) return { admit: false, reason: 'error' };
  if (response.finishReason === null || !config.admitFinishReasons.includes(response.finishReason)) {
    return { admit: false, reason: 'incomplete' };
  }
  if (response.hasToolCalls === true && !config.allowTools) return { admit: false, reason: 'tools' };
  return { admit: true };
}
