/**
 * One simulated vLLM V1 instance. Each `step()` is one engine iteration: running requests first
 * (decodes, then unfinished prefill chunks) under the `maxNumBatchedTokens` budget, recompute
 * preemption when a running request needs a block and none is free (victim: newest running under
 * FCFS, worst (priority, arrival) under priority; it goes back to the front of the waiting queue),
 * then admission from the waiting queue with prefix-cache hits while no preemption happened this
 * step and fewer than `maxNumSeqs` run. The engine owns no time: the driver advances its clock by
 * `durationMs`; tokens of a step count as emitted at its end. Per-request overheads outside the engine
 * loop (BLIS's alpha terms: HTTP, tokenization, queueing) are not modelled here.
 */
import { SeededRng } from '../rng.js';
import type { Rng } from '../rng.js';
import { contextHashOf } from './generator.js';
import { BLOCK_SIZE_TOKENS, KvBlockPool } from './kv-cache.js';
import { DEFAULT_PRESET, findPreset } from './presets.js';
import type { EnginePreset, StepTimeCoefficients } from './presets.js';
import { Sequence } from './sequence.js';
import { stepDurationMs } from './step-time.js';
import type {
  AddResult,
  EngineOptions,
  EngineOutput,
  EngineRequest,
  EngineStats,
  ScheduledChunk,
  SchedulingPolicy,
  StepResult,
} from './types.js';

export class Engine {
  readonly preset: EnginePreset;
  readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly policy: SchedulingPolicy;
  readonly seed: number;
  /** KV capacity in tokens (whole blocks). */
  readonly kvCapacityTokens: number;
  readonly #stepTime: StepTimeCoefficients;
  readonly #pool: KvBlockPool;
  readonly #rng: Rng;
  readonly #requests: Map<string, Sequence>;
  #running: Sequence[];
  #waiting: Sequence[];
  #arrivalSeq: number;
  #preemptions: number;
  #prefixQueries: number;
  #prefixHits: number;
  #promptTokens: number;
  #generationTokens: number;
  #recomputedTokens: number;

  constructor(options: EngineOptions = {}) {
    const name = typeof options.preset === 'string' ? options.preset : DEFAULT_PRESET;
    const preset = typeof options.preset === 'object' ? options.preset : findPreset(name);
    if (preset === undefined) throw new RangeError(`unknown engine preset: ${name}`);
    this.preset = preset;
    const numBlocks = Math.floor((options.kvTokens ?? preset.kvTokens) / BLOCK_SIZE_TOKENS);
    if (!(numBlocks >= 1)) throw new RangeError('kvTokens must be at least one 16-token block');
    this.kvCapacityTokens = numBlocks * BLOCK_SIZE_TOKENS;
    this.maxModelLen = Math.min(options.maxModelLen ?? preset.maxModelLen, this.kvCapacityTokens);
    this.maxNumBatchedTokens = options.maxNumBatchedTokens ?? preset.maxNumBatchedTokens;
    this.maxNumSeqs = options.maxNumSeqs ?? preset.maxNumSeqs;
    this.policy = options.policy ?? 'fcfs';
    this.seed = options.seed ?? 0;
    this.#stepTime = options.stepTime ?? preset.stepTime;
    this.#pool = new KvBlockPool(numBlocks);
    this.#rng = options.rng ?? new SeededRng(this.seed);
    this.#requests = new Map();
    this.#running = [];
    this.#waiting = [];
    this.#arrivalSeq = 0;
    this.#preemptions = 0;
    this.#prefixQueries = 0;
    this.#prefixHits = 0;
    this.#promptTokens = 0;
    this.#generationTokens = 0;
    this.#recomputedTokens = 0;
  }

  /** Queues a request. Invalid: empty prompt, maxTokens < 1, or prompt + 1 token over maxModelLen. */
  add(req: EngineRequest): AddResult {
    if (this.#requests.has(req.id)) return { ok: false, reason: 'duplicate-id' };
    const n = req.promptTokenIds.length;
    if (n === 0 || !(req.maxTokens >= 1) || n + 1 > this.maxModelLen) return { ok: false, reason: 'invalid' };
    const sampled = (req.temperature ?? 0) > 0;
    const samplingSeed = sampled ? (req.seed ?? this.#rng.int(4294967296)) : null;
    const seq = new Sequence(
      req,
      this.#arrivalSeq++,
      contextHashOf(this.seed, req.promptTokenIds),
      samplingSeed,
      this.maxModelLen,
    );
    this.#requests.set(req.id, seq);
    this.#enqueueWaiting(seq, false);
    this.#promptTokens += n;
    return { ok: true };
  }

  /** Removes a request at once and frees its blocks. Returns false if it is unknown or finished. */
  abort(id: string): boolean {
    const seq = this.#requests.get(id);
    if (seq === undefined) return false;
    if (seq.status === 'running') this.#running.splice(this.#running.indexOf(seq), 1);
    else this.#waiting.splice(this.#waiting.indexOf(seq), 1);
    this.#finish(seq);
    return true;
  }

  hasWork(): boolean {
    return this.#running.length > 0 || this.#waiting.length > 0;
  }

  /** Generated token ids of a live (waiting or running) request. */
  outputTokenIds(id: string): number[] | undefined {
    return this.#requests.get(id)?.outputTokenIds();
  }

  step(): StepResult {
    let budget = this.maxNumBatchedTokens;
    const chunks = new Map<Sequence, number>();
    const preempted: string[] = [];
    // Running requests: decodes first, then unfinished prefills, each in admission order.
    for (const wantDecode of [true, false]) {
      for (const seq of this.#running.slice()) {
        if (budget === 0) break;
        if (seq.status !== 'running' || chunks.has(seq)) continue;
        const remaining = seq.tokens.length - seq.numComputed;
        if ((remaining === 1) !== wantDecode) continue;
        const numNew = Math.min(remaining, budget);
        let scheduled = false;
        while (!scheduled) {
          scheduled = this.#allocateSlots(seq, numNew);
          if (scheduled) break;
          const victim = this.#pickVictim();
          const victimTokens = chunks.get(victim);
          if (victimTokens !== undefined) {
            budget += victimTokens;
            chunks.delete(victim);
          }
          this.#preempt(victim);
          preempted.push(victim.id);
          if (victim === seq) break;
        }
        if (!scheduled) continue;
        chunks.set(seq, numNew);
        budget -= numNew;
      }
    }
    // Admission, as in vLLM: only when this step preempted nothing.
    while (preempted.length === 0 && budget > 0 && this.#running.length < this.maxNumSeqs) {
      const seq = this.#waiting[0];
      if (seq === undefined) break;
      const numNew = this.#admit(seq, budget);
      if (numNew === 0) break;
      this.#waiting.shift();
      seq.status = 'running';
      this.#running.push(seq);
      chunks.set(seq, numNew);
      budget -= numNew;
    }
    return this.#execute(chunks, preempted);
  }

  stats(): EngineStats {
    return {
      running: this.#running.length,
      waiting: this.#waiting.length,
      waitingHeadTokens: this.#waiting[0]?.tokens.length ?? 0,
      kvUsage: this.#pool.numUsed / this.#pool.numBlocks,
      usedBlocks: this.#pool.numUsed,
      totalBlocks: this.#pool.numBlocks,
      counters: {
        preemptions: this.#preemptions,
        prefixCacheQueriesTokens: this.#prefixQueries,
        prefixCacheHitsTokens: this.#prefixHits,
        promptTokens: this.#promptTokens,
        generationTokens: this.#generationTokens,
        recomputedTokens: this.#recomputedTokens,
      },
    };
  }

  #execute(chunks: Map<Sequence, number>, preempted: string[]): StepResult {
    const scheduled: ScheduledChunk[] = [];
    const outputs: EngineOutput[] = [];
    let prefillTokens = 0;
    let sumSquared = 0;
    let decodeBatch = 0;
    let sumContext = 0;
    for (const [seq, numNew] of chunks) {
      const isPrefill = !(numNew === 1 && seq.numComputed > 0);
      if (isPrefill) {
        prefillTokens += numNew;
        sumSquared += numNew * numNew;
        if (seq.numPreemptions > 0) this.#recomputedTokens += Math.min(numNew, seq.numGenerated);
      } else {
        decodeBatch++;
        sumContext += seq.numComputed + 1;
      }
      scheduled.push({ id: seq.id, numTokens: numNew, isPrefill });
      seq.numComputed += numNew;
      const fullBlocks = Math.floor(seq.numComputed / BLOCK_SIZE_TOKENS);
      for (let b = seq.numRegisteredBlocks; b < fullBlocks; b++) {
        const block = seq.blocks[b];
        const hash = seq.blockHashes[b];
        if (block !== undefined && hash !== undefined) this.#pool.register(block, hash);
      }
      seq.numRegisteredBlocks = fullBlocks;
      if (seq.numComputed < seq.tokens.length) continue;
      const out = seq.generate();
      this.#generationTokens++;
      outputs.push(out);
      if (out.finishReason !== null) {
        this.#running.splice(this.#running.indexOf(seq), 1);
        this.#finish(seq);
      }
    }
    const durationMs = stepDurationMs(this.#stepTime, {
      prefillTokens,
      sumSquaredChunkTokens: sumSquared,
      decodeBatch,
      sumDecodeContextTokens: sumContext,
    });
    return { durationMs, scheduled, prefillTokens, decodeTokens: decodeBatch, outputs, preempted };
  }

  /** Ensures blocks for `numNew` more computed tokens; false when the pool is short. */
  #allocateSlots(seq: Sequence, numNew: number): boolean {
    const needed = Math.ceil((seq.numComputed + numNew) / BLOCK_SIZE_TOKENS) - seq.blocks.length;
    if (needed <= 0) return true;
    if (needed > this.#pool.numFree) return false;
    for (let i = 0; i < needed; i++) seq.blocks.push(this.#pool.allocate());
    return true;
  }

  /** Takes prefix hits and blocks for a waiting request; returns tokens to compute, 0 if it does not fit. */
  #admit(seq: Sequence, budget: number): number {
    // At least the last token is always computed (vLLM caps hits at numTokens - 1).
    const maxHitBlocks = Math.floor((seq.tokens.length - 1) / BLOCK_SIZE_TOKENS);
    const hits: number[] = [];
    let evictable = 0;
    for (let b = 0; b < maxHitBlocks; b++) {
      const block = this.#pool.lookup(seq.blockHashes[b] ?? -1);
      if (block === undefined) break;
      hits.push(block);
      if (this.#pool.isFree(block)) evictable++;
    }
    const hitTokens = hits.length * BLOCK_SIZE_TOKENS;
    const numNew = Math.min(seq.tokens.length - hitTokens, budget);
    const newBlocks = Math.ceil((hitTokens + numNew) / BLOCK_SIZE_TOKENS) - hits.length;
    if (newBlocks + evictable > this.#pool.numFree) return 0;
    for (const block of hits) this.#pool.touch(block);
    seq.blocks.push(...hits);
    seq.numComputed = hitTokens;
    seq.numRegisteredBlocks = hits.length;
    for (let i = 0; i < newBlocks; i++) seq.blocks.push(this.#pool.allocate());
    this.#prefixQueries += seq.tokens.length;
    this.#prefixHits += hitTokens;
    return numNew;
  }

  #pickVictim(): Sequence {
    let victim = this.#running[this.#running.length - 1];
    if (this.policy === 'priority') {
      for (const s of this.#running) {
        if (victim === undefined || worse(s, victim)) victim = s;
      }
    }
    if (victim === undefined) throw new Error('fairway invariant violated: preemption with nothing running');
    return victim;
  }

  #preempt(seq: Sequence): void {
    this.#running.splice(this.#running.indexOf(seq), 1);
    this.#pool.release(seq.blocks);
    seq.blocks.length = 0;
    seq.numComputed = 0;
    seq.numRegisteredBlocks = 0;
    seq.numPreemptions++;
    this.#preemptions++;
    this.#enqueueWaiting(seq, true);
  }

  #enqueueWaiting(seq: Sequence, front: boolean): void {
    seq.status = 'waiting';
    if (this.policy === 'fcfs') {
      if (front) this.#waiting.unshift(seq);
      else this.#waiting.push(seq);
      return;
    }
    let i = this.#waiting.length;
    while (i > 0 && worse(this.#waiting[i - 1] as Sequence, seq)) i--;
    this.#waiting.splice(i, 0, seq);
  }

  #finish(seq: Sequence): void {
    this.#pool.release(seq.blocks);
    seq.blocks.length = 0;
    seq.status = 'finished';
    this.#requests.delete(seq.id);
  }
}

/** True when `a` is less urgent than `b`: larger priority value, then later arrival. */
function worse(a: Sequence, b: Sequence): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.arrivalSeq > b.arrivalSeq;
}

export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
