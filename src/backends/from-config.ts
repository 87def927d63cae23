/**
 * Builds the backend mechanism from the `backends` config section: one vLLM client per instance
 * and the instance pool that watches them. Wiring only; the composition root owns start and stop.
 */
import type { BackendsConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { asInstanceId } from '../core/ids.js';
import type { BackendClient } from '../core/ports.js';
import { createInstancePool, type InstancePool, type PoolTimers } from './instance-pool.js';
import { createVllmClient } from './vllm-client.js';

export interface Backends {
  readonly clients: readonly BackendClient[];
  readonly pool: InstancePool;
  /** Stops polling and closes every client's connections. */
  close(): Promise<void>;
}

export function createBackendsFromConfig(
  config: BackendsConfig,
  options: { readonly clock?: Clock; readonly timers?: PoolTimers } = {},
): Backends {
  const clients = config.instances.map((instance) =>
    createVllmClient({
      id: asInstanceId(instance.id),
      baseUrl: instance.url,
      connections: config.connectionsPerInstance,
      connectTimeoutMs: config.connectTimeoutMs,
      headersTimeoutMs: config.firstByteTimeoutMs,
    }),
  );
  const pool = createInstancePool({
    clients,
    healthIntervalMs: config.healthIntervalMs,
    metricsIntervalMs: config.metricsIntervalMs,
    failuresBeforeDown: config.failuresBeforeDown,
    // A poll slower than the connect budget is as good as down for routing purposes.
    pollTimeoutMs: Math.min(config.healthIntervalMs, config.connectTimeoutMs),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  return {
    clients,
    pool,
    async close() {
      await pool.stop();
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}
