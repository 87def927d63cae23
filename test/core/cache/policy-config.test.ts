import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { DEFAULT_CACHE_POLICY } from '../../../src/core/cache/defaults.js';
import { createCachePolicy, validateCachePolicyConfig } from '../../../src/core/cache/policy.js';
import type { CachePolicyConfig } from '../../../src/core/cache/types.js';

describe('the cache section of the config schema', () => {
  it('yields the core defaults when the file says nothing', () => {
    const cache: CachePolicyConfig = resolveConfig({}).cache;
    expect(validateCachePolicyConfig(cache)).toEqual([]);
    expect(JSON.parse(JSON.stringify(cache.categories))).toEqual(
      JSON.parse(JSON.stringify(DEFAULT_CACHE_POLICY.categories)),
    );
    expect(cache.load).toEqual(DEFAULT_CACHE_POLICY.load);
    expect(() => createCachePolicy(cache)).not.toThrow();
  });

  it('fills the rest of a category from its own defaults and gives new categories generic ones', () => {
    const cache = resolveConfig({ cache: { categories: { code: { similarity: 0.97 }, legal: { ttlSeconds: 60 } } } })
      .cache as CachePolicyConfig;
    expect(cache.categories.code!.similarity).toBe(0.97);
    expect(cache.categories.code!.ttlSeconds).toBe(DEFAULT_CACHE_POLICY.categories.code!.ttlSeconds);
    expect(cache.categories.volatile!.ttlSeconds).toBe(300);
    expect(cache.categories.legal).toMatchObject({ ttlSeconds: 60, scope: 'tenant', quota: { maxEntries: 10_000 } });
    expect(createCachePolicy(cache).categoryNames).toContain('legal');
  });

  it('rejects unbounded quotas, bad names and unknown keys with their paths', () => {
    let message = '';
    try {
      resolveConfig({
        cache: { categories: { Bad: {}, code: { quota: { maxEntries: 1e12 }, colour: 'red' } }, guards: ['vibes'] },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('/cache/categories: must match pattern');
    expect(message).toContain('/cache/categories/code/quota/maxEntries');
    expect(message).toContain('/cache/categories/code/colour: is not a known setting');
    expect(message).toContain('/cache/guards/0');
  });
});
