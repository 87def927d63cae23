/** Shared builders for the cache-policy tests. */
import { DEFAULT_CACHE_POLICY } from '../../../src/core/cache/defaults.js';
import { asTenantId } from '../../../src/core/ids.js';
import type { CachePolicyConfig, CacheRequest, CategoryConfig, ChatMessage } from '../../../src/core/cache/types.js';

export const tenantA = asTenantId('tenant-a');
export const tenantB = asTenantId('tenant-b');

export function request(text: string, over: Partial<CacheRequest> = {}): CacheRequest {
  const messages: ChatMessage[] = [{ role: 'user', content: text }];
  return { tenant: tenantA, model: 'llama-3-8b', messages, temperature: 0, ...over };
}

/** The default policy with one category's fields replaced. */
export function withCategory(name: string, over: Partial<CategoryConfig>): CachePolicyConfig {
  const base = DEFAULT_CACHE_POLICY.categories[name];
  if (base === undefined) throw new Error(`no default category ${name}`);
  return { ...DEFAULT_CACHE_POLICY, categories: { ...DEFAULT_CACHE_POLICY.categories, [name]: { ...base, ...over } } };
}
