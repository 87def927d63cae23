/**
 * Main-thread side of the HNSW shard workers: creates at most `maxWorkers` workers lazily, gives
 * each shard exactly one owning worker (the least loaded when the shard is first seen), correlates
 * requests and responses, and bounds the requests in flight per worker (overflow is a coded error).
 */
import { Worker } from 'node:worker_threads';
import { FairwayError } from '../errors.js';
import { resolveWorkerFile } from './worker-entry.js';
import type { ShardWorkerData } from './index-shard-worker.js';
import { transferListOf } from './worker-protocol.js';
import type { ShardIndexParams, ShardRequest, ShardResponse } from './worker-protocol.js';

export interface ShardPoolOptions {
  readonly params: ShardIndexParams;
  readonly maxWorkers: number;
  /** Requests in flight per worker before new ones fail with FW_ERR_CACHE_OVERLOADED. */
  readonly maxPendingPerWorker: number;
  /** Called when a worker dies: its shards are gone from memory and must be reloaded. */
  readonly onShardsLost?: (shardKeys: readonly string[], err: unknown) => void;
}

/** A request body without its correlation id; the pool assigns it. */
export type ShardRequestBody = ShardRequest extends infer R
  ? R extends ShardRequest
    ? Omit<R, 'requestId'>
    : never
  : never;

interface Pending {
  readonly resolve: (res: ShardResponse) => void;
  readonly reject: (err: unknown) => void;
}

class WorkerSlot {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  shards = 0;
  dead = false;

  constructor(file: string, data: ShardWorkerData, onDeath: (slot: WorkerSlot, err: unknown) => void) {
    this.worker = new Worker(file, { workerData: data });
    this.worker.on('message', (res: ShardResponse) => {
      const p = this.pending.get(res.requestId);
      if (p === undefined) return;
      this.pending.delete(res.requestId);
      if (res.type === 'error') p.reject(new FairwayError('FW_ERR_CACHE_WORKER_FAILED', { detail: res.message }));
      else p.resolve(res);
    });
    this.worker.on('error', (err) => onDeath(this, err));
    this.worker.on('exit', (code) => onDeath(this, new Error(`shard worker exited with code ${code}`)));
  }
}

export class ShardPool {
  #options: ShardPoolOptions;
  #file: string;
  #slots: WorkerSlot[] = [];
  #owner = new Map<string, WorkerSlot>();
  #nextRequestId = 1;
  #closed = false;

  constructor(options: ShardPoolOptions) {
    if (options.maxWorkers < 1 || options.maxPendingPerWorker < 1)
      throw new RangeError('maxWorkers and maxPendingPerWorker must be >= 1');
    this.#options = options;
    this.#file = resolveWorkerFile(import.meta.url, 'index-shard-worker');
  }

  get workerCount(): number {
    return this.#slots.length;
  }

  /** Shard keys this pool has assigned an owner to. */
  shardKeys(): string[] {
    return [...this.#owner.keys()];
  }

  /** Thread ids of the owning workers (for tests: each shard has exactly one owner). */
  ownerThreadId(shardKey: string): number | undefined {
    return this.#owner.get(shardKey)?.worker.threadId;
  }

  #onDeath = (slot: WorkerSlot, err: unknown): void => {
    if (slot.dead) return;
    slot.dead = true;
    for (const p of slot.pending.values())
      p.reject(new FairwayError('FW_ERR_CACHE_WORKER_FAILED', { detail: String(err) }, { cause: err }));
    slot.pending.clear();
    // Shards owned by a dead worker are forgotten: the next request re-creates them elsewhere.
    const lost: string[] = [];
    for (const [key, owner] of this.#owner) {
      if (owner !== slot) continue;
      this.#owner.delete(key);
      lost.push(key);
    }
    this.#slots = this.#slots.filter((s) => s !== slot);
    if (!this.#closed && lost.length > 0) this.#options.onShardsLost?.(lost, err);
  };

  /** Fault injection for tests: terminates the worker owning `shardKey`, as a crash would. */
  async terminateOwnerForTest(shardKey: string): Promise<void> {
    await this.#owner.get(shardKey)?.worker.terminate();
  }

  #newSlot(): WorkerSlot {
    const slot = new WorkerSlot(this.#file, { params: this.#options.params }, this.#onDeath);
    this.#slots.push(slot);
    return slot;
  }

  #ownerOf(shardKey: string): WorkerSlot {
    const existing = this.#owner.get(shardKey);
    if (existing !== undefined) return existing;
    let slot: WorkerSlot;
    if (this.#slots.length < this.#options.maxWorkers) slot = this.#newSlot();
    else slot = this.#slots.reduce((best, s) => (s.shards < best.shards ? s : best));
    slot.shards += 1;
    this.#owner.set(shardKey, slot);
    return slot;
  }

  #send(slot: WorkerSlot, body: ShardRequestBody): Promise<ShardResponse> {
    if (this.#closed) return Promise.reject(new FairwayError('FW_ERR_SHUTTING_DOWN'));
    if (slot.pending.size >= this.#options.maxPendingPerWorker) {
      return Promise.reject(
        new FairwayError(
          'FW_ERR_CACHE_OVERLOADED',
          { detail: `shard worker has ${slot.pending.size} requests in flight` },
          { retryAfterMs: 100 },
        ),
      );
    }
    const requestId = this.#nextRequestId++;
    const request = { ...body, requestId } as ShardRequest;
    return new Promise<ShardResponse>((resolve, reject) => {
      slot.pending.set(requestId, { resolve, reject });
      slot.worker.postMessage(request, transferListOf(request));
    });
  }

  /** Sends a request to the worker owning `shardKey` (assigning one on first use). */
  request(shardKey: string, body: ShardRequestBody): Promise<ShardResponse> {
    return this.#send(this.#ownerOf(shardKey), body);
  }

  /** Sends a request only if the shard already has an owner; otherwise resolves to null. */
  requestIfOwned(shardKey: string, body: ShardRequestBody): Promise<ShardResponse | null> {
    const slot = this.#owner.get(shardKey);
    return slot === undefined ? Promise.resolve(null) : this.#send(slot, body);
  }

  /** Sends the same request to every live worker. */
  broadcast(body: ShardRequestBody): Promise<ShardResponse[]> {
    return Promise.all(this.#slots.map((slot) => this.#send(slot, body)));
  }

  /** Orderly stop: waits for in-flight requests, then closes and terminates every worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const slots = [...this.#slots];
    await Promise.allSettled(slots.map((slot) => this.#send(slot, { type: 'close' })));
    this.#closed = true;
    await Promise.allSettled(
      slots.map((slot) => {
        slot.dead = true;
        return slot.worker.terminate();
      }),
    );
    this.#slots = [];
    this.#owner.clear();
  }
}
