/**
 * Benchmark of native/: the C++ addon against the TypeScript fallback, side by side in one run.
 * Embeds N sentences (QQP questions from ../shared when present, synthetic text otherwise) one by
 * one and as a batch, and runs exact topK over a rows x dims matrix. Checks that both produce
 * identical output, prints a table and writes bench/results/native-embedder.json.
 * Usage: tsx bench/native-embedder.ts [--sentences 20000] [--rows 100000] [--dims 512] [--queries 20]
 *        [--k 10] [--repeats 5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { fallbackImpl, nativeImpl, nativeLoadError } from '../native/index.js';
import type { HashKernels } from '../native/index.js';
import { SeededRng } from '../src/core/rng.js';

const { values: args } = parseArgs({
  options: {
    sentences: { type: 'string', default: '20000' },
    rows: { type: 'string', default: '100000' },
    dims: { type: 'string', default: '512' },
    queries: { type: 'string', default: '20' },
    k: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '5' },
  },
});
const SENTENCES = Number(args.sentences);
const ROWS = Number(args.rows);
const DIMS = Number(args.dims);
const QUERIES = Number(args.queries);
const K = Number(args.k);
const REPEATS = Number(args.repeats);
const QQP_PATH = new URL('../../shared/datasets/qqp/qqp-dev.jsonl', import.meta.url);

if (nativeImpl === null) {
  console.error(`native addon not loaded (${nativeLoadError}); run npm run native:build first`);
  process.exit(1);
}
const native: HashKernels = nativeImpl;

function loadSentences(): { source: string; texts: string[] } {
  if (existsSync(QQP_PATH)) {
    const texts: string[] = [];
    for (const line of readFileSync(QQP_PATH, 'utf8').split('\n')) {
      if (texts.length >= SENTENCES) break;
      if (line.trim() === '') continue;
      const pair = JSON.parse(line) as { a: string; b: string };
      texts.push(pair.a, pair.b);
    }
    if (texts.length >= SENTENCES) return { source: 'qqp-dev.jsonl questions', texts: texts.slice(0, SENTENCES) };
  }
  console.warn('../shared/datasets/qqp/qqp-dev.jsonl not found: using synthetic sentences');
  const rng = new SeededRng(7);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'qu', 'é', 'ß', 'ny'];
  const vocab = Array.from({ length: 5000 }, () =>
    Array.from({ length: 1 + rng.int(4) }, () => syllables[rng.int(syllables.length)]).join(''),
  );
  const texts = Array.from(
    { length: SENTENCES },
    () => Array.from({ length: 6 + rng.int(15) }, () => vocab[rng.int(vocab.length)]).join(' ') + '?',
  );
  return { source: 'synthetic (seed 7)', texts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Median wall and CPU (user + system) time in ms of `repeats` runs of fn, after one warm-up run.
 * On a shared machine CPU time is the steadier of the two; both are reported.
 */
function time(fn: () => void, repeats: number): Timing {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    fn();
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const { source, texts } = loadSentences();

// Correctness first: both implementations must agree bit for bit on everything measured.
const nativeBatch = native.hashEmbedBatch(texts, DIMS);
if (!sameBits(nativeBatch, fallbackImpl.hashEmbedBatch(texts, DIMS))) throw new Error('embeddings differ');

const rng = new SeededRng(42);
const matrix = new Float32Array(ROWS * DIMS);
for (let i = 0; i < matrix.length; i++) matrix[i] = rng.next() * 2 - 1;
const queries = Array.from({ length: QUERIES }, (_, q) =>
  nativeBatch.slice((q % texts.length) * DIMS, ((q % texts.length) + 1) * DIMS),
);
for (const q of queries) {
  const a = native.topK(q, matrix, ROWS, K);
  const b = fallbackImpl.topK(q, matrix, ROWS, K);
  if (a.indices.join() !== b.indices.join() || !sameBits(a.scores, b.scores)) throw new Error('topK differs');
}

interface Row {
  readonly operation: string;
  readonly unit: string;
  readonly native: Timing;
  readonly fallback: Timing;
  readonly perItem: number;
}

function measure(operation: string, unit: string, perItem: number, run: (impl: HashKernels) => void): Row {
  return {
    operation,
    unit,
    perItem,
    native: time(() => run(native), REPEATS),
    fallback: time(() => run(fallbackImpl), REPEATS),
  };
}

const rows: Row[] = [
  measure(`hashEmbed x ${SENTENCES} (one call each)`, 'sentence', SENTENCES, (impl) => {
    for (const t of texts) impl.hashEmbed(t, DIMS);
  }),
  measure(`hashEmbedBatch(${SENTENCES})`, 'sentence', SENTENCES, (impl) => impl.hashEmbedBatch(texts, DIMS)),
  measure(`topK k=${K} over ${ROWS} x ${DIMS}, ${QUERIES} queries`, 'query', QUERIES, (impl) => {
    for (const q of queries) impl.topK(q, matrix, ROWS, K);
  }),
];

const perItemUs = (ms: number, r: Row): string => ((ms * 1000) / r.perItem).toFixed(2);
const table = rows.map((r) => ({
  operation: r.operation,
  'native ms (cpu)': `${r.native.wallMs.toFixed(1)} (${r.native.cpuMs.toFixed(1)})`,
  'fallback ms (cpu)': `${r.fallback.wallMs.toFixed(1)} (${r.fallback.cpuMs.toFixed(1)})`,
  'native µs/item': perItemUs(r.native.wallMs, r),
  'fallback µs/item': perItemUs(r.fallback.wallMs, r),
  'speedup wall': `${(r.fallback.wallMs / r.native.wallMs).toFixed(2)}x`,
  'speedup cpu': `${(r.fallback.cpuMs / r.native.cpuMs).toFixed(2)}x`,
}));
console.table(table);

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const round3 = (x: number): number => Number(x.toFixed(3));
const result = {
  loadAverage1m: round3(loadavg()[0] ?? 0),
  command: `tsx bench/native-embedder.ts ${process.argv.slice(2).join(' ')}`.trim(),
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpuCount: cpus().length,
  commit: gitCommit(),
  params: { sentences: SENTENCES, source, rows: ROWS, dims: DIMS, queries: QUERIES, k: K, repeats: REPEATS },
  identicalOutput: true,
  results: rows.map((r) => ({
    operation: r.operation,
    unit: r.unit,
    items: r.perItem,
    nativeWallMs: round3(r.native.wallMs),
    fallbackWallMs: round3(r.fallback.wallMs),
    nativeCpuMs: round3(r.native.cpuMs),
    fallbackCpuMs: round3(r.fallback.cpuMs),
    nativeUsPerItem: round3((r.native.wallMs * 1000) / r.perItem),
    fallbackUsPerItem: round3((r.fallback.wallMs * 1000) / r.perItem),
    speedupWall: round3(r.fallback.wallMs / r.native.wallMs),
    speedupCpu: round3(r.fallback.cpuMs / r.native.cpuMs),
  })),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/native-embedder.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/native-embedder.json');
