/** A gateway over fake backends with the semantic cache in front (memory stores, hash embedder, manual clock). */
import { afterEach } from 'vitest';
import { asInstanceId } from '../../src/core/ids.js';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRng } from '../../src/core/rng.js';
import { createScheduler } from '../../src/core/scheduler/scheduler.js';
import { resolveConfig } from '../../src/config/load.js';
import { FairwayError } from '../../src/errors.js';
import { buildApp } from '../../src/gateway/app.js';
import { Dispatcher } from '../../src/gateway/dispatcher.js';
import { sha256Hex, createTenantDirectory } from '../../src/gateway/tenancy.js';
import { createGatewayMetrics } from '../../src/observability/metrics.js';
import { createCacheMetrics } from '../../src/observability/cache-metrics.js';
import { openSemanticCache } from '../../src/cache/semantic-cache-open.js';
import { FakeBackend, fakeFleet, MODEL } from './fakes.js';

export const ADMIN = 'admin-secret';

export async function buildCachedGateway(cacheOverrides: Record<string, unknown> = {}) {
  const backends = [new FakeBackend({ id: 'a' })];
  const clock = new ManualClock(1_000);
  const config = resolveConfig({
    tenants: [
      { id: 'alice', weight: 1, apiKeySha256: [sha256Hex('key-alice')], maxPriority: 1 },
      { id: 'bob', weight: 1, apiKeySha256: [sha256Hex('key-bob')] },
    ],
    cache: {
      enabled: true,
      admitFinishReasons: ['stop', 'length'],
      mechanism: { embedder: 'hash', dataDir: null, tiers: { exact: true, lexical: true, semantic: false } },
      ...cacheOverrides,
    },
  });
  const scheduler = createScheduler(
    { ...(config.scheduler as object), tenantWeights: { alice: 1, bob: 1 } },
    { clock, rng: new SeededRng(1) },
  );
  const dispatcher = new Dispatcher({ scheduler, clock, tickIntervalMs: 50 });
  for (const b of backends) dispatcher.instanceUp(asInstanceId(b.id), 100_000);
  const metrics = createGatewayMetrics({ defaultMetrics: false });
  const cacheMetrics = createCacheMetrics(metrics.registry);
  const cache = await openSemanticCache(config.cache, { clock, observer: cacheMetrics });
  cacheMetrics.bindStats(() => cache.stats());
  const { app, coalescer } = buildApp({
    config,
    fleet: fakeFleet(backends),
    dispatcher,
    metrics,
    cache,
    cacheMetrics,
    tenants: createTenantDirectory(config.tenants, config.auth, ADMIN),
    logger: false,
    classifyUpstreamError: (error) => ({
      error: new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail: String(error) }),
      retryable: false,
    }),
  });
  const close = async () => {
    await app.close();
    dispatcher.stop();
    await cache.close();
  };
  return { app, backends, cache, clock, metrics, coalescer, close };
}

export function chat(
  content: string | { role: string; content: string }[],
  opts: { tenant?: string; stream?: boolean; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
) {
  const messages = typeof content === 'string' ? [{ role: 'user', content }] : content;
  return {
    method: 'POST' as const,
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer key-${opts.tenant ?? 'alice'}`, ...(opts.headers ?? {}) },
    payload: {
      model: MODEL,
      messages,
      max_tokens: 4,
      temperature: 0,
      ...(opts.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
      ...(opts.extra ?? {}),
    },
  };
}

export type CachedGateway = Awaited<ReturnType<typeof buildCachedGateway>>;

/** A builder whose gateways are closed after each test (call once, at module level). */
export function trackedCachedGateways(): (overrides?: Record<string, unknown>) => Promise<CachedGateway> {
  let open: CachedGateway[] = [];
  afterEach(async () => {
    await Promise.all(open.map((g) => g.close()));
    open = [];
  });
  return async (overrides = {}) => {
    const g = await buildCachedGateway(overrides);
    open.push(g);
    return g;
  };
}
