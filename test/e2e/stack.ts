/** Starts real simulators and a real gateway on 127.0.0.1 (ephemeral ports) for end-to-end tests. */
import { resolveConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../src/serve.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';

export const SIM_MODEL = 'fairway-sim-8b';

export interface Stack {
  readonly gateway: RunningGateway;
  readonly sims: SimServer[];
  close(): Promise<void>;
}

export async function startStack(
  options: { instances?: number; preset?: string; config?: Record<string, unknown> } = {},
): Promise<Stack> {
  const sims: SimServer[] = [];
  for (let i = 0; i < (options.instances ?? 2); i++) {
    sims.push(
      await startSimServer({ host: '127.0.0.1', port: 0, preset: options.preset ?? 'zero-cost', model: SIM_MODEL }),
    );
  }
  const base = options.config ?? {};
  const config = resolveConfig({
    ...base,
    server: { port: 0, logLevel: 'warn', ...((base.server as object | undefined) ?? {}) },
    backends: {
      healthIntervalMs: 100,
      ...((base.backends as object | undefined) ?? {}),
      instances: sims.map((s, i) => ({ id: `sim-${i}`, url: s.url, kvCapacityTokens: s.stats().totalBlocks * 16 })),
    },
  });
  const gateway = await startGateway(config);
  // Ready once the health poller has seen every instance (bounded wait).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${gateway.url}/v1/models`);
    const body = (await res.json()) as { data: unknown[] };
    const ready = await fetch(`${gateway.url}/readyz`);
    if (ready.status === 200 && body.data.length > 0) break;
    if (Date.now() > deadline) throw new Error('gateway did not become ready in 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    gateway,
    sims,
    async close() {
      await gateway.close();
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}
