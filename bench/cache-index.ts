/**
 * Benchmark of the semantic-cache index mechanism: 100k clustered 512-d unit vectors in one
 * category. Reports in-process and through-worker HNSW search latency, recall@1 against brute
 * force, insert throughput, memory per entry, and warm restart (snapshot) vs rebuild from lmdb.
 * Usage: tsx --expose-gc bench/cache-index.ts [--n 100000] [--queries 2000] [--recall-queries 300]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HnswShard } from '../src/cache/hnsw-shard.js';
import { createSemanticIndex, DEFAULT_INDEX_PARAMS, entryBytes } from '../src/cache/semantic-index.js';
import type { CachedAnswer } from '../src/cache/stores/document-store.js';
import { createLmdbDocumentStore } from '../src/cache/stores/lmdb-store.js';
import type { ShardIndexParams } from '../src/cache/worker-protocol.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '2000' },
    'recall-queries': { type: 'string', default: '300' },
    clusters: { type: 'string', default: '1000' },
  },
});
const N = Number(args.n);
const QUERIES = Number(args.queries);
const RECALL_QUERIES = Number(args['recall-queries']);
const CLUSTERS = Number(args.clusters);
const DIMS = 512;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(42);
const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

const centers = Array.from({ length: CLUSTERS }, () => normalize(Float32Array.from({ length: DIMS }, gauss)));
/** A point near a random center: noise 0.05 per dim gives cos ~0.6-0.8 to its center, dense clusters. */
function clustered(): Float32Array {
  const c = centers[Math.floor(rand() * CLUSTERS)]!;
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = c[i]! + 0.05 * gauss();
  return normalize(v);
}

const data = new Float32Array(N * DIMS);
for (let i = 0; i < N; i++) data.set(clustered(), i * DIMS);
const row = (i: number): Float32Array => data.subarray(i * DIMS, (i + 1) * DIMS);
const queries = Array.from({ length: Math.max(QUERIES, RECALL_QUERIES) }, clustered);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const log = (msg: string): void => console.error(`[bench:cache] ${msg}`);

const params: ShardIndexParams = {
  ...DEFAULT_INDEX_PARAMS,
  dims: DIMS,
  initialCapacity: 1024,
  maxElements: Math.max(N, 1024),
};
const quota = { maxEntries: N * 2, maxBytes: Number.MAX_SAFE_INTEGER };
const work = mkdtempSync(join(tmpdir(), 'fw-bench-cache-'));

// 1. In-process shard: insert throughput, memory, search latency, recall.
gc();
const mem0 = process.memoryUsage();
const shard = new HnswShard('bench\u001f', params);
log(`building in-process index of ${N}`);
const loadAtStart = loadavg().map((x) => round(x, 2));
const cpuBeforeInsert = process.cpuUsage();
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  shard.insert(
    [
      {
        vector: row(i),
        meta: { id: `e${i}`, tenant: '', contextFingerprint: 'f', createdAtMs: 0, expiresAtMs: 1e15, bytes: 1 },
      },
    ],
    quota,
    0,
    [],
  );
}
const inProcInsertMs = performance.now() - t0;
const insertCpu = process.cpuUsage(cpuBeforeInsert);
const inProcInsertCpuMs = (insertCpu.user + insertCpu.system) / 1000;
gc();
const mem1 = process.memoryUsage();
const inProcLatMs: number[] = [];
for (let q = 0; q < QUERIES; q++) {
  const s = performance.now();
  shard.search(queries[q]!, 5, undefined, 1, []);
  inProcLatMs.push(performance.now() - s);
}
log('recall vs brute force');
let recallHits = 0;
let simGapSum = 0;
for (let q = 0; q < RECALL_QUERIES; q++) {
  const query = queries[q]!;
  let best = -1;
  let bestSim = -Infinity;
  for (let i = 0; i < N; i++) {
    let dot = 0;
    const base = i * DIMS;
    for (let d = 0; d < DIMS; d++) dot += data[base + d]! * query[d]!;
    if (dot > bestSim) {
      bestSim = dot;
      best = i;
    }
  }
  const top = shard.search(query, 1, undefined, 1, [])[0];
  if (top?.meta.id === `e${best}`) recallHits += 1;
  simGapSum += bestSim - (top?.similarity ?? 0);
}
const snapDir = join(work, 'snap-inproc');
mkdirSync(snapDir);
t0 = performance.now();
shard.writeSnapshot(snapDir);
const inProcSnapshotWriteMs = performance.now() - t0;
t0 = performance.now();
const reloaded = new HnswShard('bench\u001f', params);
const loadResult = reloaded.loadSnapshot(snapDir);
const inProcSnapshotLoadMs = performance.now() - t0;

// 2. lmdb store with the same documents; open the facade without a snapshot = rebuild through the worker.
const answer: CachedAnswer = {
  responseText: 'x'.repeat(400),
  tokenIds: null,
  finishReason: 'stop',
  usage: { promptTokens: 10, completionTokens: 100, totalTokens: 110 },
  model: 'bench',
};
const bytes = entryBytes(answer, DIMS);
const store = createLmdbDocumentStore({ path: join(work, 'db'), durability: 'committed' });
log('writing lmdb store');
t0 = performance.now();
const puts: Promise<void>[] = [];
for (let i = 0; i < N; i++) {
  puts.push(
    store.put({
      id: `e${String(i).padStart(6, '0')}`,
      category: 'bench',
      scopeKey: '',
      tenant: '',
      contextFingerprint: 'f',
      createdAtMs: 0,
      expiresAtMs: 1e15,
      bytes,
      answer,
      vector: row(i),
    }),
  );
  if (puts.length >= 5000) await Promise.all(puts.splice(0));
}
await Promise.all(puts);
const storeWriteMs = performance.now() - t0;
await store.close();

const facadeDir = join(work, 'snap-facade');
mkdirSync(facadeDir);
const open = (): ReturnType<typeof createSemanticIndex> =>
  createSemanticIndex({
    store: createLmdbDocumentStore({ path: join(work, 'db'), durability: 'committed' }),
    index: params,
    snapshotDir: facadeDir,
    nowMs: 1,
    maxWorkers: 1,
  });
log('rebuild from store through the worker');
t0 = performance.now();
let index = await open();
const rebuildMs = performance.now() - t0;
const workerLatMs: number[] = [];
for (let q = 0; q < QUERIES; q++) {
  const s = performance.now();
  await index.search({ category: 'bench', scopeKey: '', vector: queries[q]!, k: 5, nowMs: 2 });
  workerLatMs.push(performance.now() - s);
}
const sequentialInserts = Math.min(300, N);
t0 = performance.now();
for (let i = 0; i < sequentialInserts; i++) {
  await index.insert({
    id: `s${i}`,
    category: 'bench',
    scopeKey: '',
    vector: queries[i % queries.length]!,
    meta: { tenant: '', contextFingerprint: 'f' },
    answer,
    ttlMs: 1e12,
    nowMs: 3,
    quota,
  });
}
const sequentialInsertMs = performance.now() - t0;
const concurrentInserts = Math.min(10_000, N);
t0 = performance.now();
for (let i = 0; i < concurrentInserts; i += 256) {
  const batch: Promise<unknown>[] = [];
  for (let j = i; j < Math.min(concurrentInserts, i + 256); j++) {
    batch.push(
      index.insert({
        id: `c${j}`,
        category: 'bench',
        scopeKey: '',
        vector: queries[j % queries.length]!,
        meta: { tenant: '', contextFingerprint: 'f' },
        answer,
        ttlMs: 1e12,
        nowMs: 3,
        quota,
      }),
    );
  }
  await Promise.all(batch);
}
const concurrentInsertMs = performance.now() - t0;
t0 = performance.now();
await index.close();
const closeWithSnapshotMs = performance.now() - t0;
log('warm restart from snapshot');
t0 = performance.now();
index = await open();
const warmRestartMs = performance.now() - t0;
const warmReport = index.openReport;
await index.close();

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  /* not a git checkout */
}
const result = {
  command: `tsx --expose-gc bench/cache-index.ts --n ${N} --queries ${QUERIES} --recall-queries ${RECALL_QUERIES} --clusters ${CLUSTERS}`,
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
  commit,
  dateIso: new Date().toISOString(),
  loadAverage: {
    atStart: loadAtStart,
    atEnd: loadavg().map((x) => round(x, 2)),
    note: 'shared 2-core machine: wall-clock numbers include time waiting for a CPU',
  },
  entries: N,
  dims: DIMS,
  hnsw: { m: params.m, efConstruction: params.efConstruction, ef: params.ef, space: params.space },
  inProcess: {
    insertPerSec: round(N / (inProcInsertMs / 1000), 0),
    insertPerCpuSec: round(N / (inProcInsertCpuMs / 1000), 0),
    searchK5: { p50Ms: round(pct(inProcLatMs, 50)), p99Ms: round(pct(inProcLatMs, 99)) },
    recallAt1: round(recallHits / RECALL_QUERIES, 4),
    meanSimilarityGapToExact: round(simGapSum / RECALL_QUERIES, 6),
    memoryPerEntryBytes: {
      rss: round((mem1.rss - mem0.rss) / N, 0),
      heap: round((mem1.heapUsed - mem0.heapUsed) / N, 0),
      external: round((mem1.external - mem0.external) / N, 0),
    },
    snapshotWriteMs: round(inProcSnapshotWriteMs, 1),
    snapshotLoadMs: round(inProcSnapshotLoadMs, 1),
    snapshotLoad: loadResult.kind,
  },
  throughWorker: {
    searchK5: { p50Ms: round(pct(workerLatMs, 50)), p99Ms: round(pct(workerLatMs, 99)) },
    sequentialInsertPerSec: round(sequentialInserts / (sequentialInsertMs / 1000), 0),
    concurrentInsertPerSec: round(concurrentInserts / (concurrentInsertMs / 1000), 0),
    insertNote:
      'facade insert = lmdb put (committed) + worker insert; sequential awaits one at a time, concurrent keeps 256 in flight',
  },
  store: { lmdbWritePerSec: round(N / (storeWriteMs / 1000), 0), durability: 'committed' },
  restart: {
    rebuildFromStoreMs: round(rebuildMs, 0),
    warmRestartFromSnapshotMs: round(warmRestartMs, 0),
    closeWithSnapshotMs: round(closeWithSnapshotMs, 0),
    warmReport,
  },
};
rmSync(work, { recursive: true, force: true });
const out = new URL('./results/cache-index.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
