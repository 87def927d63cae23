/**
 * Issue 3 acceptance: `fairway replay` against the `npm start` stack (gateway + two simulated
 * instances, default preset) at 200 req/s for 30 s. Reports send lag p50/p99, failures and the
 * report files. Each side runs in its own process, as a user would run them.
 *
 *   npm run bench:replay-lag [-- --rate 200 --seconds 30]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'fairway.js');
const work = mkdtempSync(join(tmpdir(), 'fairway-replay-lag-'));
const trace = join(work, 'trace.csv');
const outDir = join(root, 'bench', 'results', 'replay-lag');
const PORT = 18180;

execFileSync(process.execPath, [
  bin,
  'trace',
  'gen',
  '--requests',
  String(rate * seconds),
  '--rate',
  String(rate),
  '--prompt',
  '16:512:1.1',
  '--output',
  '8:64:1.1',
  '--seed',
  '7',
  '--out',
  trace,
]);
const configPath = join(work, 'config.yaml');
writeFileSync(configPath, `server:\n  port: ${PORT}\n  logLevel: warn\nsim:\n  basePort: 18201\n`);

function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  return (async () => {
    for (;;) {
      try {
        const res = await fetch(`${url}/readyz`);
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('the stack did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

let stack: ChildProcess | null = null;
try {
  stack = spawn(process.execPath, [bin, 'serve', '--demo', '--config', configPath], { stdio: 'ignore' });
  await waitReady(`http://127.0.0.1:${PORT}`);
  mkdirSync(outDir, { recursive: true });
  const args = [
    bin,
    'replay',
    '--trace',
    trace,
    '--target',
    `http://127.0.0.1:${PORT}`,
    '--concurrency-cap',
    '10000',
    '--duration',
    String(seconds),
    '--out',
    outDir,
  ];
  const t0 = Date.now();
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    // exit code 1 means some request failed: the summary says which
  }
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as {
    requests: number;
    completed: number;
    failed: number;
    send_lag_ms: { p50: number; p99: number; max: number };
    ttft_ms: { p50: number; p99: number };
  };
  const result = {
    command: `npm run bench:replay-lag -- --rate ${rate} --seconds ${seconds}`,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(),
    date: new Date().toISOString(),
    wall_s: (Date.now() - t0) / 1000,
    requests: summary.requests,
    completed: summary.completed,
    failed: summary.failed,
    send_lag_ms: summary.send_lag_ms,
    ttft_ms: summary.ttft_ms,
    report: 'bench/results/replay-lag/report.html',
  };
  writeFileSync(join(root, 'bench', 'results', 'replay-lag.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  stack?.kill('SIGTERM');
}
