import { afterEach, describe, expect, it } from 'vitest';
import { isFairwayError } from '../../src/errors.js';
import { ShardPool } from '../../src/cache/shard-pool.js';
import { axis, bigQuota, meta, params } from './helpers.js';

describe('ShardPool (real worker threads)', () => {
  let pool: ShardPool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('creates workers lazily up to the bound and gives each shard exactly one owner', async () => {
    pool = new ShardPool({ params: params(), maxWorkers: 2, maxPendingPerWorker: 16 });
    expect(pool.workerCount).toBe(0);
    const keys = ['code\u001fa', 'code\u001fb', 'math\u001f', 'chat\u001fa'];
    for (const [i, shardKey] of keys.entries()) {
      await pool.request(shardKey, {
        type: 'insert',
        shardKey,
        nowMs: 0,
        quota: bigQuota,
        items: [{ vector: axis(i), meta: meta(`e${i}`) }],
      });
    }
    expect(pool.workerCount).toBe(2);
    const owners = keys.map((k) => pool!.ownerThreadId(k));
    expect(new Set(owners).size).toBe(2);
    // Every shard answers only from its own entries, whichever worker it shares.
    for (const [i, shardKey] of keys.entries()) {
      const res = await pool.request(shardKey, { type: 'search', shardKey, nowMs: 0, vector: axis(i), k: 5 });
      expect(res.type === 'searched' && res.candidates.map((c) => c.meta.id)).toEqual([`e${i}`]);
      expect(pool.ownerThreadId(shardKey)).toBe(owners[i]);
    }
  });

  it('transfers vectors to the worker instead of copying them', async () => {
    pool = new ShardPool({ params: params(), maxWorkers: 1, maxPendingPerWorker: 16 });
    const vector = axis(3);
    await pool.request('s', {
      type: 'insert',
      shardKey: 's',
      nowMs: 0,
      quota: bigQuota,
      items: [{ vector, meta: meta('x') }],
    });
    expect(vector.byteLength).toBe(0);
  });

  it('fails fast with FW_ERR_CACHE_OVERLOADED when a worker queue is full', async () => {
    pool = new ShardPool({ params: params(), maxWorkers: 1, maxPendingPerWorker: 2 });
    const send = (): Promise<unknown> => pool!.request('s', { type: 'stats', nowMs: 0 });
    const results = await Promise.allSettled([send(), send(), send()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const reason = (results[2] as PromiseRejectedResult).reason;
    expect(isFairwayError(reason) && reason.code).toBe('FW_ERR_CACHE_OVERLOADED');
  });

  it('serializes writes per shard: concurrent inserts all land and quotas hold', async () => {
    pool = new ShardPool({ params: params({ maxElements: 256 }), maxWorkers: 2, maxPendingPerWorker: 256 });
    const quota = { maxEntries: 50, maxBytes: 1e9 };
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        pool!.request('s', {
          type: 'insert',
          shardKey: 's',
          nowMs: i,
          quota,
          items: [{ vector: axis(i), meta: meta(`e${i}`) }],
        }),
      ),
    );
    const stats = await pool.request('s', { type: 'stats', nowMs: 200 });
    expect(stats.type === 'stats' && stats.shards.find((s) => s.shardKey === 's')?.entries).toBe(50);
  });

  it('rejects requests after close with FW_ERR_SHUTTING_DOWN', async () => {
    pool = new ShardPool({ params: params(), maxWorkers: 1, maxPendingPerWorker: 4 });
    await pool.request('s', { type: 'stats', nowMs: 0 });
    await pool.close();
    await expect(pool.request('s', { type: 'stats', nowMs: 0 })).rejects.toMatchObject({
      code: 'FW_ERR_SHUTTING_DOWN',
    });
  });
});
