/**
 * What the gateway needs from the rest of fairway, as interfaces. The composition root (src/serve.ts)
 * provides them; tests provide fakes. Nothing here is fastify-specific.
 */
import type { BackendClient, ModelCard } from '../core/ports.js';
import type { Config } from '../config/schema.js';
import type { FairwayError } from '../errors.js';
import type { Dispatcher } from './dispatcher.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { TenantDirectory } from './tenancy.js';
import type { SemanticCache } from '../cache/semantic-cache.js';
import type { CacheMetrics } from '../observability/cache-metrics.js';

/** The instances as the gateway sees them: which models are served and who is healthy. */
export interface FleetView {
  /** Models served by at least one known instance (healthy or not), de-duplicated. */
  models(): readonly ModelCard[];
  /** Whether at least one instance is healthy. */
  anyHealthy(): boolean;
  client(instance: string): BackendClient | undefined;
  /** A request failed on this instance: counts as a failed health check. */
  instanceFailed(instance: string): void;
}

export interface GatewayDeps {
  readonly config: Config;
  readonly fleet: FleetView;
  readonly dispatcher: Dispatcher;
  /** Maps an upstream failure to the catalogue and says whether another attempt may succeed. */
  classifyUpstreamError(error: unknown, instance: string): { error: FairwayError; retryable: boolean };
  readonly metrics: GatewayMetrics;
  readonly tenants: TenantDirectory;
  /** Admin actions on instances (drain); absent in tests that do not need them. */
  readonly admin?: AdminActions;
  /** The semantic cache; absent when `cache.enabled` is false. */
  readonly cache?: SemanticCache;
  /** Cache metrics (admin stats refresh their gauges); absent with the cache. */
  readonly cacheMetrics?: CacheMetrics;
  /** pino options or false; defaults to the configured level. */
  readonly logger?: boolean | { level: string };
}

/** What the admin API may do besides reading the scheduler. */
export interface AdminActions {
  /** Instance statuses (health, metrics age, models, draining). */
  instances(): readonly Record<string, unknown>[];
  /** Starts or stops draining an instance; false when the id is unknown. */
  setDraining(instance: string, draining: boolean): boolean;
}
