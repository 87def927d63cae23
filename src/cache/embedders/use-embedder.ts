/**
 * The `use` embedder: Universal Sentence Encoder lite in a piscina pool (bounded threads and
 * queue; overflow is FW_ERR_CACHE_OVERLOADED) behind a micro-batcher. Vectors come back as one
 * transferred buffer per batch, already L2-normalized by the worker.
 */
import { Piscina } from 'piscina';
import { FairwayError, isFairwayError } from '../../errors.js';
import { resolveWorkerFile } from '../worker-entry.js';
import { splitRows } from './embedder.js';
import type { Embedder } from './embedder.js';
import { MicroBatcher } from './micro-batcher.js';
import type { MicroBatcherOptions } from './micro-batcher.js';
import { USE_DIMS } from './use-task.js';
import type { UseTask } from './use-task.js';

export interface UseEmbedderOptions {
  readonly maxThreads?: number;
  /** Batches waiting for a free thread before new ones are refused. */
  readonly maxQueue?: number;
  readonly batch?: Partial<MicroBatcherOptions>;
}

export class UseEmbedder implements Embedder {
  readonly name = 'use';
  readonly dims = USE_DIMS;
  #pool: Piscina<UseTask, Float32Array>;
  #batcher: MicroBatcher;
  #inflight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: UseEmbedderOptions = {}) {
    const maxThreads = options.maxThreads ?? 1;
    this.#pool = new Piscina<UseTask, Float32Array>({
      filename: resolveWorkerFile(import.meta.url, 'use-embed-worker'),
      minThreads: maxThreads,
      maxThreads,
      maxQueue: options.maxQueue ?? 64,
      idleTimeout: 60_000,
    });
    this.#batcher = new MicroBatcher(
      {
        windowMs: options.batch?.windowMs ?? 2,
        maxBatchTexts: options.batch?.maxBatchTexts ?? 32,
        maxPendingTexts: options.batch?.maxPendingTexts ?? 4096,
      },
      (texts) => this.#runBatch(texts),
    );
  }

  /** Batches dispatched so far (micro-batching is observable in tests). */
  get batches(): number {
    return this.#batcher.batches;
  }

  async #runBatch(texts: string[]): Promise<Float32Array[]> {
    try {
      const packed = await this.#pool.run({ texts });
      return splitRows(packed, texts.length, USE_DIMS);
    } catch (e) {
      if (isFairwayError(e)) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (/queue is at limit/i.test(message)) {
        throw new FairwayError(
          'FW_ERR_CACHE_OVERLOADED',
          { detail: 'embedder queue is full' },
          { retryAfterMs: 100, cause: e },
        );
      }
      throw new FairwayError('FW_ERR_EMBEDDER_FAILED', { embedder: 'use', detail: message }, { cause: e });
    }
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.#closed) return Promise.reject(new FairwayError('FW_ERR_SHUTTING_DOWN'));
    const p = this.#batcher.submit(texts);
    this.#inflight.add(p);
    const done = (): void => void this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Loads the model in every thread now rather than on the first request. */
  async warmUp(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.#pool.threads.length || 1 }, () => this.#pool.run({ texts: ['warm up'] })),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#batcher.drain();
    await Promise.allSettled([...this.#inflight]);
    await this.#pool.destroy();
  }
}

export const createUseEmbedder = (options: UseEmbedderOptions = {}): Embedder => new UseEmbedder(options);
