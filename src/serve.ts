/**
 * The composition root: builds clients, the instance pool, the scheduler, the dispatcher and the
 * fastify app from one config, wires pool events into the scheduler, listens, and shuts down in order
 * (stop intake, let in-flight requests finish within the grace period, close the server, stop polling).
 */
import type { AddressInfo } from 'node:net';
import { asInstanceId, type InstanceId } from './core/ids.js';
import type { Clock } from './core/clock.js';
import type { BackendClient, ModelCard } from './core/ports.js';
import { SeededRng } from './core/rng.js';
import { createScheduler } from './core/scheduler/scheduler.js';
import type { Config } from './config/schema.js';
import { createInstancePool, type InstancePool } from './backends/instance-pool.js';
import { createVllmClient } from './backends/vllm-client.js';
import { classifyUpstreamError } from './backends/errors.js';
import { buildApp } from './gateway/app.js';
import type { FleetView } from './gateway/deps.js';
import { Dispatcher } from './gateway/dispatcher.js';
import { createTenantDirectory } from './gateway/tenancy.js';
import { createGatewayMetrics } from './observability/metrics.js';
import { createSchedulerMetrics } from './observability/scheduler-metrics.js';
import { openGatewayCache } from './cache/gateway-cache.js';

/** Assumed KV capacity when neither the config nor the instance says (tokens). */
const DEFAULT_KV_CAPACITY_TOKENS = 65_536;

export const wallClock: Clock = { nowMs: () => performance.now() };

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /** Graceful stop: refuse new work, wait for in-flight requests up to the grace period, close. */
  close(): Promise<void>;
}

function createFleetView(pool: InstancePool, clients: ReadonlyMap<InstanceId, BackendClient>): FleetView {
  // Model lists change when an instance comes up or goes down (and, rarely, on a later health poll):
  // rebuild on those events and at least every metrics scrape, never per request.
  let models: readonly ModelCard[] | null = null;
  const forget = (): void => {
    models = null;
  };
  pool.onInstanceUp(forget);
  pool.onInstanceDown(forget);
  pool.onMetrics(forget);
  return {
    models(): readonly ModelCard[] {
      if (models !== null) return models;
      const seen = new Map<string, ModelCard>();
      for (const status of pool.list()) {
        for (const card of status.modelCards) if (!seen.has(card.id)) seen.set(card.id, card);
      }
      models = [...seen.values()];
      return models;
    },
    anyHealthy: () => pool.healthy().length > 0,
    client: (instance) => clients.get(asInstanceId(instance)),
    instanceFailed: (instance) => pool.markFailed(asInstanceId(instance), 'request failed'),
  };
}

export async function startGateway(config: Config): Promise<RunningGateway> {
  const clock = wallClock;
  const clients = new Map<InstanceId, BackendClient>();
  const capacity = new Map<InstanceId, number>();
  for (const inst of config.backends.instances) {
    const id = asInstanceId(inst.id);
    clients.set(
      id,
      createVllmClient({
        id,
        baseUrl: inst.url,
        connections: config.backends.connectionsPerInstance,
        connectTimeoutMs: config.backends.connectTimeoutMs,
        headersTimeoutMs: config.backends.firstByteTimeoutMs,
      }),
    );
    capacity.set(id, inst.kvCapacityTokens ?? DEFAULT_KV_CAPACITY_TOKENS);
  }
  const pool = createInstancePool({
    clients: [...clients.values()],
    healthIntervalMs: config.backends.healthIntervalMs,
    metricsIntervalMs: config.backends.metricsIntervalMs,
    failuresBeforeDown: config.backends.failuresBeforeDown,
    pollTimeoutMs: Math.max(config.backends.healthIntervalMs, 1000),
    clock,
  });
  const tenants = createTenantDirectory(config.tenants, config.auth, process.env.FAIRWAY_ADMIN_KEY);
  const metrics = createGatewayMetrics();
  const scheduler = createScheduler(
    { ...config.scheduler, tenantWeights: tenants.weights() },
    { clock, rng: new SeededRng(0), observer: createSchedulerMetrics(metrics.registry) },
  );
  const dispatcher = new Dispatcher({ scheduler, clock, tickIntervalMs: config.scheduler.migrationIntervalMs });
  pool.onInstanceUp((s) => {
    metrics.instanceUp.set({ instance: s.id }, 1);
    dispatcher.instanceUp(s.id, capacity.get(s.id) ?? DEFAULT_KV_CAPACITY_TOKENS);
  });
  pool.onInstanceDown((s) => {
    metrics.instanceUp.set({ instance: s.id }, 0);
    dispatcher.instanceDown(s.id);
  });
  pool.onMetrics((s) => {
    if (s.metrics === null || s.metricsAtMs === null) return;
    dispatcher.instanceSnapshot({
      instance: s.id,
      running: s.metrics.running,
      waiting: s.metrics.waiting,
      kvUsage: s.metrics.kvUsage,
      metricsAtMs: s.metricsAtMs,
    });
  });

  const cached = await openGatewayCache(config, {
    clock,
    registry: metrics.registry,
    snapshot: () => dispatcher.snapshot(),
  });
  const fleet = createFleetView(pool, clients);
  const draining = new Set<InstanceId>();
  const { app, beginShutdown } = buildApp({
    config,
    fleet,
    dispatcher,
    metrics,
    tenants,
    classifyUpstreamError,
    ...(cached ?? {}),
    admin: {
      instances: () =>
        pool.list().map((s) => ({
          id: s.id,
          url: s.client.baseUrl,
          healthy: s.healthy,
          draining: draining.has(s.id),
          models: s.models,
          metrics: s.metrics,
          metricsAgeMs: s.metricsAtMs === null ? null : Math.round(clock.nowMs() - s.metricsAtMs),
          lastError: s.lastError,
        })),
      setDraining(instance, on) {
        const id = asInstanceId(instance);
        if (!clients.has(id)) return false;
        if (on) draining.add(id);
        else draining.delete(id);
        dispatcher.drain(id, on);
        return true;
      },
    },
  });
  pool.start();
  dispatcher.start();
  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        beginShutdown();
        const deadline = performance.now() + config.server.shutdownGraceMs;
        while (dispatcher.waitingCount + dispatcher.runningCount > 0 && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        // The grace period is over: streams still open are cut instead of holding the shutdown hostage
        // (fastify's close only ends idle connections and would wait for every stream to finish).
        const closed = app.close();
        app.server.closeAllConnections();
        await closed;
        dispatcher.stop();
        await pool.stop();
        await cached?.cache.close();
        await Promise.all([...clients.values()].map((c) => c.close()));
      })();
      return closing;
    },
  };
}
