/**
 * Opens the configured cache for a running gateway: metrics on the gateway's registry, the load
 * probe on the scheduler snapshot, the coalesced timer started. Null when `cache.enabled` is false.
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { SchedulerSnapshot } from '../core/scheduler/types.js';
import type { Config } from '../config/schema.js';
import { createCacheMetrics, type CacheMetrics } from '../observability/cache-metrics.js';
import { loadSignalOf } from './load-probe.js';
import type { SemanticCache } from './semantic-cache.js';
import { openSemanticCache } from './semantic-cache-open.js';

export interface GatewayCache {
  readonly cache: SemanticCache;
  readonly cacheMetrics: CacheMetrics;
}

export async function openGatewayCache(
  config: Config,
  deps: { readonly clock: Clock; readonly registry: Registry; readonly snapshot: () => SchedulerSnapshot },
): Promise<GatewayCache | null> {
  if (!config.cache.enabled) return null;
  const cacheMetrics = createCacheMetrics(deps.registry);
  const cache = await openSemanticCache(config.cache, {
    clock: deps.clock,
    observer: cacheMetrics,
    loadProbe: () => loadSignalOf(deps.snapshot(), config.scheduler.maxQueued),
  });
  cacheMetrics.bindStats(() => cache.stats());
  cache.start();
  return { cache, cacheMetrics };
}
