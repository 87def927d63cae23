/** A zero-cost simulator in its own process, for benchmarks. */
import { startSimServer } from '../../src/sim/server.js';

const port = Number(process.argv[2] ?? 8101);
await startSimServer({ host: '127.0.0.1', port, preset: process.argv[3] ?? 'zero-cost', model: 'fairway-sim-8b' });
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
