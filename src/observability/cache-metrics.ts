/**
 * Prometheus metrics of the semantic cache: lookups by category, tier and result, lookup latency,
 * stores, coalesced requests, evictions, and (read from the cache at scrape time) entries, bytes, the adaptive threshold
 * and TTL per category and the load level. Implements the cache's observer; decides nothing.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CacheObserver, CacheStats } from '../cache/semantic-cache-types.js';

const LOOKUP_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25];

export interface CacheMetrics extends CacheObserver {
  /** Where the scrape-time gauges read from (the cache, once it exists). */
  bindStats(read: () => Promise<CacheStats>): void;
  /**
   * A request that joined an identical in-flight request: `hit` when it was answered with the leader's
   * answer, `released` when it got none (leader failed, timeout) and went upstream itself.
   */
  coalesced(category: string, result: 'hit' | 'released'): void;
}

export function createCacheMetrics(registry: Registry): CacheMetrics {
  const registers = [registry];
  let read: (() => Promise<CacheStats>) | null = null;
  const lookups = new Counter({
    name: 'fairway_cache_lookups_total',
    help: 'Cache lookups by category, serving tier (none on miss/bypass) and result (hit, miss, bypass).',
    labelNames: ['category', 'tier', 'result'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'fairway_cache_lookup_seconds',
    help: 'Cache lookup latency (classification, embedding, search, verification) by tier and result.',
    labelNames: ['tier', 'result'] as const,
    buckets: LOOKUP_BUCKETS_S,
    registers,
  });
  const stores = new Counter({
    name: 'fairway_cache_stores_total',
    help: 'Answers stored in the cache, by category.',
    labelNames: ['category'] as const,
    registers,
  });
  const coalesced = new Counter({
    name: 'fairway_cache_coalesced_total',
    help: 'Requests that waited for an identical in-flight request, by category and result (hit = served its answer, released = went upstream).',
    labelNames: ['category', 'result'] as const,
    registers,
  });
  // read from the index at scrape time: it counts every removal (sweeps, quota, invalidation)
  new Counter({
    name: 'fairway_cache_evictions_total',
    help: 'Entries removed by category and reason (expired, evicted-entries, evicted-bytes, invalidated, ...).',
    labelNames: ['category', 'reason'] as const,
    registers,
    async collect() {
      if (read === null) return;
      const stats = await read();
      this.reset();
      for (const [category, c] of Object.entries(stats.categories)) {
        for (const [reason, n] of Object.entries(c.evictions)) if (n > 0) this.inc({ category, reason }, n);
      }
    },
  });
  const gauge = (name: string, help: string, set: (g: Gauge<'category'>, s: CacheStats) => void): void => {
    new Gauge({
      name,
      help,
      labelNames: ['category'] as const,
      registers,
      async collect() {
        if (read === null) return;
        set(this, await read());
      },
    });
  };
  const perCategory =
    (pick: (c: CacheStats['categories'][string]) => number) =>
    (g: Gauge<'category'>, s: CacheStats): void => {
      for (const [category, c] of Object.entries(s.categories)) g.set({ category }, pick(c));
    };
  gauge(
    'fairway_cache_entries',
    'Entries held per category.',
    perCategory((c) => c.entries),
  );
  gauge(
    'fairway_cache_bytes',
    'Bytes held per category.',
    perCategory((c) => c.bytes),
  );
  gauge(
    'fairway_cache_threshold',
    'Similarity threshold in force per category (after load adaptation).',
    perCategory((c) => c.effective.similarity),
  );
  gauge(
    'fairway_cache_ttl_seconds',
    'TTL in force per category (after load adaptation).',
    perCategory((c) => c.effective.ttlSeconds),
  );
  new Gauge({
    name: 'fairway_cache_load_level',
    help: 'Adaptation level in [0, 1] from the smoothed downstream load.',
    registers,
    async collect() {
      if (read !== null) this.set((await read()).load.level);
    },
  });
  return {
    bindStats(fn) {
      read = fn;
    },
    lookup(category, tier, result, seconds) {
      lookups.inc({ category, tier, result });
      latency.observe({ tier, result }, seconds);
    },
    stored(category) {
      stores.inc({ category });
    },
    coalesced(category, result) {
      coalesced.inc({ category, result });
    },
    evicted() {
      // counted from the index's own tallies at scrape time (see fairway_cache_evictions_total)
    },
  };
}
