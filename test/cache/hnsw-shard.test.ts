import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HnswShard } from '../../src/cache/hnsw-shard.js';
import type { RemovedEntry } from '../../src/cache/worker-protocol.js';
import { axis, bigQuota, meta, params } from './helpers.js';

const ids = (removed: RemovedEntry[]): string[] => removed.map((r) => `${r.id}:${r.reason}`);
const topId = (shard: HnswShard, i: number, nowMs = 0): string | undefined =>
  shard.search(axis(i), 1, undefined, nowMs, [])[0]?.meta.id;

describe('HnswShard', () => {
  it('finds an inserted entry as its own nearest neighbour with similarity close to 1', () => {
    const shard = new HnswShard('code\u001ft1', params());
    shard.insert(
      [0, 1, 2, 3, 4, 5].map((i) => ({ vector: axis(i), meta: meta(`e${i}`) })),
      bigQuota,
      0,
      [],
    );
    const [best, second] = shard.search(axis(3), 2, undefined, 0, []);
    expect(best?.meta.id).toBe('e3');
    expect(best!.similarity).toBeGreaterThan(0.999);
    expect(second!.similarity).toBeLessThan(best!.similarity);
  });

  it('expires entries at their TTL using the nowMs it is given, not a clock', () => {
    const shard = new HnswShard('s', params());
    shard.insert(
      [
        { vector: axis(1), meta: meta('short', 100) },
        { vector: axis(2), meta: meta('long', 200) },
      ],
      bigQuota,
      0,
      [],
    );
    expect(topId(shard, 1, 99)).toBe('short');
    const removed: RemovedEntry[] = [];
    shard.sweep(100, removed);
    expect(ids(removed)).toEqual(['short:expired']);
    expect(shard.search(axis(1), 5, undefined, 100, []).map((c) => c.meta.id)).toEqual(['long']);
    expect(shard.search(axis(1), 5, undefined, 200, [])).toEqual([]);
  });

  it('refuses an entry that is already expired or alone exceeds the byte quota', () => {
    const shard = new HnswShard('s', params());
    const rejected = shard.insert(
      [
        { vector: axis(1), meta: meta('old', 50) },
        { vector: axis(2), meta: meta('huge', 1e6, 5_000) },
        { vector: new Float32Array(3), meta: meta('dims') },
      ],
      { maxEntries: 10, maxBytes: 1_000 },
      50,
      [],
    );
    expect(rejected).toEqual(['old', 'huge', 'dims']);
    expect(shard.size).toBe(0);
  });

  it('holds the entry quota by evicting the least recently hit entry', () => {
    const shard = new HnswShard('s', params());
    const quota = { maxEntries: 3, maxBytes: 1e9 };
    shard.insert(
      [0, 1, 2].map((i) => ({ vector: axis(i), meta: meta(`e${i}`) })),
      quota,
      0,
      [],
    );
    expect(shard.touch('e0')).toBe(true);
    const removed: RemovedEntry[] = [];
    shard.insert([{ vector: axis(3), meta: meta('e3') }], quota, 1, removed);
    expect(ids(removed)).toEqual(['e1:evicted-entries']);
    expect(shard.size).toBe(3);
    expect(topId(shard, 0)).toBe('e0');
    expect(shard.stats().evictions['evicted-entries']).toBe(1);
  });

  it('holds the byte quota by evicting as many least recent entries as needed', () => {
    const shard = new HnswShard('s', params());
    const quota = { maxEntries: 100, maxBytes: 300 };
    shard.insert(
      [0, 1, 2].map((i) => ({ vector: axis(i), meta: meta(`e${i}`, 1e6, 100) })),
      quota,
      0,
      [],
    );
    const removed: RemovedEntry[] = [];
    shard.insert([{ vector: axis(3), meta: meta('big', 1e6, 250) }], quota, 0, removed);
    expect(ids(removed)).toEqual(['e0:evicted-bytes', 'e1:evicted-bytes', 'e2:evicted-bytes']);
    expect(shard.stats().bytes).toBe(250);
  });

  it('reuses deleted slots instead of growing the graph', () => {
    const shard = new HnswShard('s', params({ initialCapacity: 8, maxElements: 8 }));
    const quota = { maxEntries: 4, maxBytes: 1e9 };
    for (let i = 0; i < 40; i++) shard.insert([{ vector: axis(i), meta: meta(`e${i}`) }], quota, i, []);
    const stats = shard.stats();
    expect(stats.entries).toBe(4);
    expect(stats.slots).toBeLessThanOrEqual(5);
    expect(topId(shard, 39)).toBe('e39');
  });

  it('doubles its capacity as it grows and evicts at the hard maximum', () => {
    const shard = new HnswShard('s', params({ initialCapacity: 2, maxElements: 8 }));
    const removed: RemovedEntry[] = [];
    for (let i = 0; i < 10; i++) shard.insert([{ vector: axis(i), meta: meta(`e${i}`) }], bigQuota, 0, removed);
    expect(shard.stats().capacity).toBe(8);
    expect(shard.size).toBe(8);
    expect(ids(removed)).toEqual(['e0:evicted-capacity', 'e1:evicted-capacity']);
  });

  it('replaces an entry inserted again under the same id', () => {
    const shard = new HnswShard('s', params());
    shard.insert([{ vector: axis(1), meta: meta('x') }], bigQuota, 0, []);
    const removed: RemovedEntry[] = [];
    shard.insert([{ vector: axis(9), meta: meta('x') }], bigQuota, 0, removed);
    expect(ids(removed)).toEqual(['x:replaced']);
    expect(shard.size).toBe(1);
    expect(topId(shard, 9)).toBe('x');
  });

  it('reconciles with the store: drops entries the store lacks and lists documents the index lacks', () => {
    const shard = new HnswShard('s', params());
    shard.insert(
      [
        { vector: axis(1), meta: meta('a') },
        { vector: axis(2), meta: meta('b') },
      ],
      bigQuota,
      0,
      [],
    );
    const removed: RemovedEntry[] = [];
    expect(shard.reconcile(['b', 'c'], 0, removed)).toEqual(['c']);
    expect(ids(removed)).toEqual(['a:invalidated']);
  });

  describe('snapshots', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'fw-shard-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('restores entries, metadata, LRU order and expiry from its snapshot', () => {
      const shard = new HnswShard('code\u001ft1', params());
      shard.insert(
        [0, 1, 2].map((i) => ({ vector: axis(i), meta: meta(`e${i}`, 100 * (i + 1)) })),
        bigQuota,
        0,
        [],
      );
      shard.touch('e0');
      shard.writeSnapshot(dir);
      const restored = new HnswShard('code\u001ft1', params());
      expect(restored.loadSnapshot(dir)).toEqual({ kind: 'loaded', entries: 3 });
      expect(topId(restored, 2)).toBe('e2');
      const removed: RemovedEntry[] = [];
      restored.insert([{ vector: axis(5), meta: meta('e5') }], { maxEntries: 3, maxBytes: 1e9 }, 0, removed);
      expect(ids(removed)).toEqual(['e1:evicted-entries']);
      restored.sweep(300, removed);
      expect(restored.size).toBe(1);
    });

    it('reports a missing snapshot', () => {
      expect(new HnswShard('s', params()).loadSnapshot(dir)).toEqual({ kind: 'missing' });
    });

    it('detects a truncated index file and stays empty instead of loading garbage', () => {
      const shard = new HnswShard('s', params());
      shard.insert(
        [0, 1, 2].map((i) => ({ vector: axis(i), meta: meta(`e${i}`) })),
        bigQuota,
        0,
        [],
      );
      shard.writeSnapshot(dir);
      const hnswFile = readdirSync(dir).find((f) => f.endsWith('.hnsw'))!;
      truncateSync(join(dir, hnswFile), 100);
      const restored = new HnswShard('s', params());
      expect(restored.loadSnapshot(dir).kind).toBe('corrupt');
      expect(restored.size).toBe(0);
    });
  });
});
