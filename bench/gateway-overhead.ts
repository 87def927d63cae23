/**
 * Gateway overhead, side by side in one run: client -> simulator directly, client -> minimal
 * pass-through proxy -> simulator, client -> fairway -> simulator; non-streaming and streaming; 16 and
 * 64 connections (autocannon); plus time to first token of streams measured by a small undici client.
 * Every server runs in its own process; all share this machine's cores, so compare ratios.
 * Writes bench/results/gateway-overhead.json and the table in bench/README.md.
 *
 *   npm run bench:gateway [-- --duration 10 --ttft-requests 300]
 */
import { spawn, type ChildProcess, execSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { request } from 'undici';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    'ttft-requests': { type: 'string', default: '300' },
    'max-tokens': { type: 'string', default: '16' },
  },
});
const durationS = Number(values.duration);
const ttftRequests = Number(values['ttft-requests']);
const maxTokens = Number(values['max-tokens']);

const SIM_PORT = 18101;
const PROXY_PORT = 18090;
const FAIRWAY_PORT = 18080;
const SIM = `http://127.0.0.1:${SIM_PORT}`;

function startServer(script: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: new URL('..', import.meta.url).pathname,
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

const body = (stream: boolean) =>
  JSON.stringify({
    model: 'fairway-sim-8b',
    messages: [{ role: 'user', content: 'Benchmark prompt: tell me about the weather in a few words.' }],
    max_tokens: maxTokens,
    ignore_eos: true,
    temperature: 0,
    stream,
  });

interface LoadResult {
  readonly reqPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(url: string, connections: number, stream: boolean): Promise<LoadResult> {
  const r = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(stream),
    connections,
    duration: durationS,
  });
  return {
    reqPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** Sequential streamed requests: time from sending to the first content byte after the headers. */
async function ttft(url: string, n: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(true),
    });
    let first = -1;
    for await (const chunk of res.body) {
      if (first < 0 && (chunk as Buffer).includes('"content":"') && !(chunk as Buffer).includes('"content":""')) {
        first = performance.now() - t0;
      }
    }
    if (first < 0) first = performance.now() - t0;
    samples.push(first);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
  return { p50Ms: q(0.5), p99Ms: q(0.99) };
}

const children: ChildProcess[] = [];
try {
  children.push(await startServer('bench/servers/sim.ts', [String(SIM_PORT), 'zero-cost']));
  children.push(await startServer('bench/servers/minimal-proxy.ts', [SIM, String(PROXY_PORT)]));
  children.push(await startServer('bench/servers/fairway.ts', [SIM, String(FAIRWAY_PORT)]));
  const targets = {
    direct: SIM,
    proxy: `http://127.0.0.1:${PROXY_PORT}`,
    fairway: `http://127.0.0.1:${FAIRWAY_PORT}`,
  } as const;

  // Warm up every path (JIT, keep-alive pools).
  for (const url of Object.values(targets)) await load(url, 16, false).then(() => undefined);

  const scenarios: Record<string, Record<string, LoadResult>> = {};
  for (const stream of [false, true]) {
    for (const connections of [16, 64]) {
      const name = `${stream ? 'stream' : 'json'}-c${connections}`;
      scenarios[name] = {};
      for (const [target, url] of Object.entries(targets)) {
        scenarios[name][target] = await load(url, connections, stream);
        process.stderr.write(`${name} ${target}: ${scenarios[name][target].reqPerSec.toFixed(0)} req/s\n`);
      }
    }
  }
  const ttfts: Record<string, { p50Ms: number; p99Ms: number }> = {};
  for (const [target, url] of Object.entries(targets)) ttfts[target] = await ttft(url, ttftRequests);

  const rows = Object.entries(scenarios).map(([name, r]) => ({
    scenario: name,
    direct_rps: r.direct!.reqPerSec,
    proxy_rps: r.proxy!.reqPerSec,
    fairway_rps: r.fairway!.reqPerSec,
    fairway_vs_proxy_throughput: r.fairway!.reqPerSec / r.proxy!.reqPerSec,
    added_p50_ms_vs_direct: r.fairway!.latencyP50Ms - r.direct!.latencyP50Ms,
    added_p99_ms_vs_direct: r.fairway!.latencyP99Ms - r.direct!.latencyP99Ms,
    proxy_added_p50_ms_vs_direct: r.proxy!.latencyP50Ms - r.direct!.latencyP50Ms,
    errors: r.direct!.errors + r.proxy!.errors + r.fairway!.errors,
    non2xx: r.direct!.non2xx + r.proxy!.non2xx + r.fairway!.non2xx,
  }));
  const result = {
    command: `npm run bench:gateway -- --duration ${durationS} --ttft-requests ${ttftRequests} --max-tokens ${maxTokens}`,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    commit: execSync('git rev-parse --short HEAD').toString().trim(),
    date: new Date().toISOString(),
    request: { max_tokens: maxTokens, preset: 'zero-cost' },
    scenarios,
    summary: rows,
    ttft_ms: ttfts,
    added_ttft_ms: {
      fairway_p50: ttfts.fairway!.p50Ms - ttfts.direct!.p50Ms,
      fairway_p99: ttfts.fairway!.p99Ms - ttfts.direct!.p99Ms,
      proxy_p50: ttfts.proxy!.p50Ms - ttfts.direct!.p50Ms,
    },
  };
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/gateway-overhead.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);

  const f = (x: number, d = 2) => x.toFixed(d);
  const table = [
    '| scenario | direct req/s | proxy req/s | fairway req/s | fairway / proxy | added p50 ms | added p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${f(r.direct_rps, 0)} | ${f(r.proxy_rps, 0)} | ${f(r.fairway_rps, 0)} | ${f(r.fairway_vs_proxy_throughput)} | ${f(r.added_p50_ms_vs_direct)} | ${f(r.added_p99_ms_vs_direct)} |`,
    ),
    '',
    `Time to first token (sequential streams, ${ttftRequests} each): direct p50 ${f(ttfts.direct!.p50Ms)} ms, ` +
      `proxy p50 ${f(ttfts.proxy!.p50Ms)} ms, fairway p50 ${f(ttfts.fairway!.p50Ms)} ms ` +
      `(added ${f(result.added_ttft_ms.fairway_p50)} ms p50, ${f(result.added_ttft_ms.fairway_p99)} ms p99).`,
    '',
    `Measured ${result.date} on ${result.cpu} (${result.cores} cores), Node ${result.node}, commit ${result.commit}: \`${result.command}\`.`,
  ].join('\n');
  const readmeUrl = new URL('README.md', import.meta.url);
  const readme = readFileSync(readmeUrl, 'utf8');
  const begin = '<!-- gateway-overhead:begin -->';
  const end = '<!-- gateway-overhead:end -->';
  const updated = readme.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`);
  writeFileSync(readmeUrl, updated);
  process.stdout.write(`${table}\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
}
