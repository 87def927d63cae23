import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSemanticIndex } from '../../src/cache/semantic-index.js';
import type { InsertRequest, SemanticIndex } from '../../src/cache/semantic-index.js';
import { createLmdbDocumentStore } from '../../src/cache/stores/lmdb-store.js';
import { createMemoryDocumentStore } from '../../src/cache/stores/memory-store.js';
import { DIMS, answer, axis, bigQuota } from './helpers.js';

const insertReq = (i: number, overrides: Partial<InsertRequest> = {}): InsertRequest => ({
  id: `e${i}`,
  category: 'code',
  scopeKey: 't1',
  vector: axis(i),
  meta: { tenant: 't1', contextFingerprint: 'fp' },
  answer: answer(`answer ${i}`),
  ttlMs: 60_000,
  nowMs: 0,
  quota: bigQuota,
  ...overrides,
});

const indexParams = { dims: DIMS, m: 8, efConstruction: 64, ef: 64, initialCapacity: 8, maxElements: 256 };

describe('semantic index facade (memory store)', () => {
  let index: SemanticIndex;
  beforeEach(async () => {
    index = await createSemanticIndex({
      store: createMemoryDocumentStore(),
      index: indexParams,
      snapshotDir: null,
      nowMs: 0,
      maxWorkers: 2,
    });
  });
  afterEach(async () => {
    await index.close();
  });

  it('stores an answer and finds it again with its metadata and document', async () => {
    expect((await index.insert(insertReq(1))).kind).toBe('stored');
    const [hit] = await index.search({ category: 'code', scopeKey: 't1', vector: axis(1), k: 3, nowMs: 10 });
    expect(hit?.meta).toMatchObject({ id: 'e1', tenant: 't1', contextFingerprint: 'fp', expiresAtMs: 60_000 });
    expect(hit!.similarity).toBeGreaterThan(0.999);
    expect((await index.getDocument('code', 't1', 'e1'))?.answer.responseText).toBe('answer 1');
  });

  it('never stores when the TTL is 0', async () => {
    expect(await index.insert(insertReq(1, { ttlMs: 0 }))).toEqual({ kind: 'not-stored', reason: 'ttl-zero' });
    expect(await index.search({ category: 'code', scopeKey: 't1', vector: axis(1), k: 1, nowMs: 0 })).toEqual([]);
  });

  it('never returns another tenant scope’s entries', async () => {
    for (let i = 0; i < 10; i++) await index.insert(insertReq(i, { scopeKey: 't1' }));
    await index.insert(insertReq(100, { id: 'other', scopeKey: 't2', vector: axis(3) }));
    const leaks = [];
    for (let i = 0; i < 10; i++) {
      const found = await index.search({ category: 'code', scopeKey: 't2', vector: axis(i), k: 10, nowMs: 0 });
      leaks.push(...found.filter((c) => c.meta.id !== 'other'));
    }
    expect(leaks).toEqual([]);
  });

  it('expires entries at their TTL and deletes their documents on sweep', async () => {
    await index.insert(insertReq(1, { ttlMs: 100 }));
    await index.insert(insertReq(2, { ttlMs: 1_000 }));
    expect(await index.sweep(100)).toBe(1);
    expect(await index.getDocument('code', 't1', 'e1')).toBeUndefined();
    expect(
      (await index.search({ category: 'code', scopeKey: 't1', vector: axis(1), k: 2, nowMs: 100 })).map(
        (c) => c.meta.id,
      ),
    ).toEqual(['e2']);
  });

  it('holds per-category quotas, evicting the least recently hit entry and its document', async () => {
    const quota = { maxEntries: 2, maxBytes: 1e9 };
    await index.insert(insertReq(1, { quota }));
    await index.insert(insertReq(2, { quota }));
    expect(await index.recordHit({ category: 'code', scopeKey: 't1', id: 'e1', nowMs: 1 })).toBe(true);
    const res = await index.insert(insertReq(3, { quota }));
    expect(res.kind === 'stored' && res.removed.map((r) => r.id)).toEqual(['e2']);
    expect(await index.getDocument('code', 't1', 'e2')).toBeUndefined();
    await index.insert(insertReq(4, { category: 'math', quota }));
    const stats = await index.stats(2);
    expect(stats.code).toMatchObject({ entries: 2, shards: 1 });
    expect(stats.code!.evictions['evicted-entries']).toBe(1);
    expect(stats.math).toMatchObject({ entries: 1 });
  });

  it('invalidates by id, by tenant scope and by category', async () => {
    await index.insert(insertReq(1));
    await index.insert(insertReq(2));
    await index.insert(insertReq(3, { scopeKey: 't2' }));
    await index.insert(insertReq(4, { category: 'math' }));
    expect(await index.invalidate({ id: 'e1' })).toBe(1);
    expect(await index.invalidate({ scopeKey: 't2' })).toBe(1);
    expect(await index.getDocument('code', 't2', 'e3')).toBeUndefined();
    expect(await index.invalidate({ category: 'code' })).toBe(1);
    const stats = await index.stats(0);
    expect(stats.code?.entries).toBe(0);
    expect(stats.math?.entries).toBe(1);
  });

  it('refuses new work after close begins', async () => {
    await index.insert(insertReq(1));
    await index.close();
    expect(() => index.search({ category: 'code', scopeKey: 't1', vector: axis(1), k: 1, nowMs: 0 })).toThrow(
      /shutting down/,
    );
  });
});

describe('semantic index persistence (lmdb + snapshots)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fw-semidx-'));
    mkdirSync(join(dir, 'snap'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (nowMs = 0): Promise<SemanticIndex> =>
    createSemanticIndex({
      store: createLmdbDocumentStore({ path: join(dir, 'db') }),
      index: indexParams,
      snapshotDir: join(dir, 'snap'),
      nowMs,
      maxWorkers: 1,
    });

  async function populate(): Promise<void> {
    const index = await open();
    for (let i = 0; i < 12; i++) await index.insert(insertReq(i, { scopeKey: i % 2 === 0 ? 't1' : 't2' }));
    await index.close();
  }

  const top = async (index: SemanticIndex, i: number): Promise<string | undefined> =>
    (await index.search({ category: 'code', scopeKey: i % 2 === 0 ? 't1' : 't2', vector: axis(i), k: 1, nowMs: 1 }))[0]
      ?.meta.id;

  it('restarts warm from its snapshots', async () => {
    await populate();
    const index = await open(1);
    expect(index.openReport.map((r) => r.snapshot.kind)).toEqual(['loaded', 'loaded']);
    expect(index.openReport.every((r) => r.rebuiltEntries === 0)).toBe(true);
    expect(await top(index, 5)).toBe('e5');
    await index.close();
  });

  it('rebuilds a shard from the store when its snapshot is truncated', async () => {
    await populate();
    for (const f of readdirSync(join(dir, 'snap')).filter((f) => f.endsWith('.hnsw')))
      truncateSync(join(dir, 'snap', f), 64);
    const index = await open(1);
    expect(index.openReport.map((r) => r.snapshot.kind)).toEqual(['corrupt', 'corrupt']);
    expect(index.openReport.reduce((n, r) => n + r.rebuiltEntries, 0)).toBe(12);
    for (let i = 0; i < 12; i++) expect(await top(index, i)).toBe(`e${i}`);
    await index.close();
  });

  it('rebuilds from the store when snapshots are missing, and drops entries expired meanwhile', async () => {
    const first = await open();
    await first.insert(insertReq(1, { ttlMs: 50 }));
    await first.insert(insertReq(2, { ttlMs: 5_000 }));
    await first.close();
    for (const f of readdirSync(join(dir, 'snap'))) unlinkSync(join(dir, 'snap', f));
    const index = await open(100);
    expect(index.openReport).toEqual([
      { shardKey: 'code\u001ft1', snapshot: { kind: 'missing' }, rebuiltEntries: 1, droppedEntries: 1 },
    ]);
    expect(await index.getDocument('code', 't1', 'e1')).toBeUndefined();
    expect(
      (await index.search({ category: 'code', scopeKey: 't1', vector: axis(2), k: 5, nowMs: 100 })).map(
        (c) => c.meta.id,
      ),
    ).toEqual(['e2']);
    await index.close();
  });

  it('reloads a crashed shard worker’s shards from the store before serving them again', async () => {
    const index = await open();
    for (let i = 0; i < 6; i++) await index.insert(insertReq(i, { scopeKey: 't1' }));
    await index.crashShardWorkerForTest('code', 't1');
    expect(await top(index, 4)).toBe('e4');
    expect((await index.stats(1)).code?.entries).toBe(6);
    expect(index.openReport.at(-1)).toMatchObject({ shardKey: 'code\u001ft1', rebuiltEntries: 6 });
    await index.close();
  });

  it('adds entries acknowledged after the last snapshot from the store', async () => {
    const first = await open();
    await first.insert(insertReq(1));
    await first.snapshot();
    await first.insert(insertReq(2));
    // Simulate a crash: the snapshot is not rewritten, the pool is dropped without close().
    const second = await open(1);
    expect(second.openReport[0]).toMatchObject({ snapshot: { kind: 'loaded', entries: 1 }, rebuiltEntries: 1 });
    expect(await top(second, 2)).toBe('e2');
    await second.close();
    await first.close().catch(() => undefined);
  });
});
