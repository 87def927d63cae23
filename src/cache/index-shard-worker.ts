/**
 * Worker-thread entry that owns a set of HNSW shards. Every request is handled synchronously in
 * arrival order, so each shard has exactly one writer and needs no locks. It keeps no clock and no
 * timers: expiry uses the `nowMs` each request carries.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HnswShard } from './hnsw-shard.js';
import type { RemovedEntry, ShardIndexParams, ShardRequest, ShardResponse } from './worker-protocol.js';

export interface ShardWorkerData {
  readonly params: ShardIndexParams;
}

const port = parentPort;
if (port === null) throw new Error('index-shard-worker must run in a worker thread');
const { params } = workerData as ShardWorkerData;
const shards = new Map<string, HnswShard>();

function shardFor(shardKey: string): HnswShard {
  let shard = shards.get(shardKey);
  if (shard === undefined) {
    shard = new HnswShard(shardKey, params);
    shards.set(shardKey, shard);
  }
  return shard;
}

function handle(req: ShardRequest): ShardResponse {
  const removed: RemovedEntry[] = [];
  switch (req.type) {
    case 'insert': {
      const rejected = shardFor(req.shardKey).insert(req.items, req.quota, req.nowMs, removed);
      return {
        type: 'inserted',
        requestId: req.requestId,
        inserted: req.items.length - rejected.length,
        rejected,
        removed,
      };
    }
    case 'search': {
      const shard = shards.get(req.shardKey);
      const candidates = shard === undefined ? [] : shard.search(req.vector, req.k, req.ef, req.nowMs, removed);
      return { type: 'searched', requestId: req.requestId, candidates, removed };
    }
    case 'touch':
      return { type: 'touched', requestId: req.requestId, found: shards.get(req.shardKey)?.touch(req.id) ?? false };
    case 'invalidate': {
      for (const shard of shards.values()) {
        if (req.shardKey !== null && shard.shardKey !== req.shardKey) continue;
        if (req.id !== null || req.all) shard.invalidate(req.id, removed);
      }
      return { type: 'invalidated', requestId: req.requestId, removed };
    }
    case 'sweep':
      for (const shard of shards.values()) shard.sweep(req.nowMs, removed);
      return { type: 'swept', requestId: req.requestId, removed };
    case 'stats':
      for (const shard of shards.values()) shard.sweep(req.nowMs, removed);
      return { type: 'stats', requestId: req.requestId, shards: [...shards.values()].map((s) => s.stats()) };
    case 'snapshot':
      for (const shard of shards.values()) shard.writeSnapshot(req.dir);
      return { type: 'snapshotted', requestId: req.requestId, shardKeys: [...shards.keys()] };
    case 'load':
      return { type: 'loaded', requestId: req.requestId, result: shardFor(req.shardKey).loadSnapshot(req.dir) };
    case 'reconcile': {
      const missing = shardFor(req.shardKey).reconcile(req.storeIds, req.nowMs, removed);
      return { type: 'reconciled', requestId: req.requestId, missing, removed };
    }
    case 'close':
      shards.clear();
      return { type: 'closed', requestId: req.requestId };
  }
}

port.on('message', (req: ShardRequest) => {
  let res: ShardResponse;
  try {
    res = handle(req);
  } catch (e) {
    res = { type: 'error', requestId: req.requestId, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(res);
});
