/**
 * Runs the backend-client conformance suite against the real simulator (`src/sim/server.ts`,
 * `startSimServer`). Skips, printing why, while the simulator is absent or cannot start.
 */
import { describe, it } from 'vitest';
import { createVllmClient } from '../../src/backends/vllm-client.js';
import { asInstanceId } from '../../src/core/ids.js';
import { runBackendClientSuite } from '../conformance/backend-client.suite.js';

interface SimHandle {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}
type StartSimServer = (options: {
  host?: string;
  port?: number;
  preset?: string;
  model?: string;
  seed?: number;
}) => Promise<SimHandle>;

const SIM_MODULE = '../../src/sim/server.js';

async function probe(): Promise<{ start: StartSimServer | null; reason: string }> {
  let mod: { startSimServer?: unknown };
  try {
    mod = (await import(/* @vite-ignore */ SIM_MODULE)) as { startSimServer?: unknown };
  } catch (e) {
    return { start: null, reason: `src/sim/server.ts cannot be imported (${(e as Error).message.split('\n')[0]})` };
  }
  if (typeof mod.startSimServer !== 'function') {
    return { start: null, reason: 'src/sim/server.ts does not export startSimServer' };
  }
  const start = mod.startSimServer as StartSimServer;
  try {
    const handle = await start({ host: '127.0.0.1', port: 0, seed: 1 });
    await handle.close();
  } catch (e) {
    return { start: null, reason: `startSimServer failed to start (${(e as Error).message})` };
  }
  return { start, reason: '' };
}

const { start, reason } = await probe();

if (start === null) {
  console.warn(`[sim.conformance] skipped: ${reason}`);
  describe.skip(`BackendClient conformance: vllm client vs simulator (skipped: ${reason})`, () => {
    it('needs the simulator', () => undefined);
  });
} else {
  runBackendClientSuite('vllm client vs simulator', async () => {
    const sim = await start({ host: '127.0.0.1', port: 0, seed: 1 });
    const client = createVllmClient({ id: asInstanceId('sim-0'), baseUrl: sim.url, connections: 8 });
    return {
      client,
      async close() {
        await client.close();
        await sim.close();
      },
    };
  });
}
