/**
 * Coalesces embed requests arriving within `windowMs` (or until `maxBatchTexts`) into one call of
 * the underlying batch function, then hands each caller its own rows. Bounded: more than
 * `maxPendingTexts` waiting texts fail fast with FW_ERR_CACHE_OVERLOADED.
 */
import { FairwayError } from '../../errors.js';

export interface MicroBatcherOptions {
  readonly windowMs: number;
  readonly maxBatchTexts: number;
  readonly maxPendingTexts: number;
}

interface Waiting {
  readonly texts: readonly string[];
  readonly resolve: (rows: Float32Array[]) => void;
  readonly reject: (err: unknown) => void;
}

export class MicroBatcher {
  #options: MicroBatcherOptions;
  #run: (texts: string[]) => Promise<Float32Array[]>;
  #waiting: Waiting[] = [];
  #waitingTexts = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Batches dispatched (for tests and metrics). */
  batches = 0;

  constructor(options: MicroBatcherOptions, run: (texts: string[]) => Promise<Float32Array[]>) {
    this.#options = options;
    this.#run = run;
  }

  submit(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (this.#waitingTexts + texts.length > this.#options.maxPendingTexts) {
      return Promise.reject(
        new FairwayError(
          'FW_ERR_CACHE_OVERLOADED',
          { detail: `${this.#waitingTexts} texts waiting for the embedder` },
          { retryAfterMs: 100 },
        ),
      );
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.#waiting.push({ texts, resolve, reject });
      this.#waitingTexts += texts.length;
      if (this.#waitingTexts >= this.#options.maxBatchTexts) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#options.windowMs);
    });
  }

  /** Dispatches everything waiting now, in batches of at most maxBatchTexts texts (a single request is never split). */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#waiting.length > 0) {
      const batch: Waiting[] = [];
      let count = 0;
      while (this.#waiting.length > 0) {
        const next = this.#waiting[0]!;
        if (batch.length > 0 && count + next.texts.length > this.#options.maxBatchTexts) break;
        batch.push(this.#waiting.shift()!);
        count += next.texts.length;
      }
      this.#waitingTexts -= count;
      this.#dispatch(batch);
    }
  }

  #dispatch(batch: Waiting[]): void {
    this.batches += 1;
    const texts = batch.flatMap((w) => w.texts);
    this.#run(texts).then(
      (rows) => {
        let offset = 0;
        for (const w of batch) {
          w.resolve(rows.slice(offset, offset + w.texts.length));
          offset += w.texts.length;
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }

  /** Rejects nothing: flushes what waits so close() can drain it. */
  drain(): void {
    this.flush();
  }
}
