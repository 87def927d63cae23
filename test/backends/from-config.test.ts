import { describe, expect, it } from 'vitest';
import { createBackendsFromConfig } from '../../src/backends/from-config.js';
import type { BackendsConfig } from '../../src/config/schema.js';
import { startStubVllm } from '../fixtures/backends/stub-vllm-server.js';

describe('createBackendsFromConfig', () => {
  it('builds one client per configured instance and a pool that brings them up', async () => {
    const stub = await startStubVllm();
    const config: BackendsConfig = {
      instances: [{ id: 'a', url: stub.url }],
      healthIntervalMs: 50,
      metricsIntervalMs: 20,
      staleMetricsMs: 200,
      connectTimeoutMs: 500,
      firstByteTimeoutMs: 1000,
      connectionsPerInstance: 2,
      failuresBeforeDown: 2,
    };
    const backends = createBackendsFromConfig(config);
    try {
      expect(backends.clients.map((c) => c.id)).toEqual(['a']);
      const up = new Promise<string>((resolve) => backends.pool.onInstanceUp((s) => resolve(s.id)));
      backends.pool.start();
      expect(await up).toBe('a');
      await expect
        .poll(() => backends.pool.get(backends.clients[0]!.id)?.metrics !== null, { timeout: 2000 })
        .toBe(true);
      expect(backends.pool.get(backends.clients[0]!.id)?.models).toEqual([stub.model]);
    } finally {
      await backends.close();
      await stub.close();
    }
  });
});
