/** fairway in its own process in front of one simulator, for benchmarks. */
import { resolveConfig } from '../../src/config/load.js';
import { startGateway } from '../../src/serve.js';

const upstream = process.argv[2] ?? 'http://127.0.0.1:8101';
const port = Number(process.argv[3] ?? 8080);
const config = resolveConfig({
  server: { port, logLevel: 'error' },
  backends: { instances: [{ id: 'sim-0', url: upstream }], healthIntervalMs: 200 },
});
const gw = await startGateway(config);
for (let i = 0; i < 100; i++) {
  const res = await fetch(`${gw.url}/readyz`);
  if (res.status === 200) break;
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
