/**
 * Data types of the engine API: what a driver submits, what one step reports and the statistics
 * snapshot. Plain data only.
 */
import type { Rng } from '../rng.js';
import type { EnginePreset, StepTimeCoefficients } from './presets.js';

export type SchedulingPolicy = 'fcfs' | 'priority';

export interface EngineOptions {
  /** Preset name or object; explicit fields below override it. Default `llama3-8b-a100`. */
  readonly preset?: string | EnginePreset;
  readonly kvTokens?: number;
  readonly maxModelLen?: number;
  readonly maxNumBatchedTokens?: number;
  readonly maxNumSeqs?: number;
  readonly stepTime?: StepTimeCoefficients;
  /** Waiting-queue order and preemption victim choice. Default `fcfs`. */
  readonly policy?: SchedulingPolicy;
  /** The model's seed: instances with the same seed generate the same text (needed for migration). */
  readonly seed?: number;
  /** Draws sampling seeds for temperature > 0 requests that give none. Default SeededRng(seed). */
  readonly rng?: Rng;
}

export interface EngineRequest {
  readonly id: string;
  readonly promptTokenIds: readonly number[];
  /** Generated-token limit; generation also stops at maxModelLen. */
  readonly maxTokens: number;
  readonly minTokens?: number;
  readonly ignoreEos?: boolean;
  /** 0 (default) = greedy, continuation-exact. */
  readonly temperature?: number;
  /** Sampling seed for temperature > 0. */
  readonly seed?: number;
  readonly stop?: readonly string[];
  readonly stopTokenIds?: readonly number[];
  /** vLLM priority: lower = more urgent (used by the `priority` policy). Default 0. */
  readonly priority?: number;
}

export type AddResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'duplicate-id' | 'invalid' };

export type FinishReason = 'stop' | 'length';

/** One request's result of a step: at most one token per step. */
export interface EngineOutput {
  readonly id: string;
  readonly tokenId: number;
  /** Generated tokens so far, this one included. */
  readonly numGenerated: number;
  readonly finishReason: FinishReason | null;
  /** The stop string or stop token id that ended generation; null for EOS and length. */
  readonly stopReason: string | number | null;
  /** With a stop string: where it starts in the generated text (vLLM truncates the text there). */
  readonly stopTextOffset: number | null;
}

export interface ScheduledChunk {
  readonly id: string;
  readonly numTokens: number;
  readonly isPrefill: boolean;
}

export interface StepResult {
  /** Duration of the step in ms from the step-time model; the driver advances its clock by it. */
  readonly durationMs: number;
  readonly scheduled: readonly ScheduledChunk[];
  readonly prefillTokens: number;
  readonly decodeTokens: number;
  /** Tokens emitted at the end of this step (first tokens of finished prefills and decodes). */
  readonly outputs: readonly EngineOutput[];
  /** Requests preempted (recompute) during this step, in order. */
  readonly preempted: readonly string[];
}

export interface EngineCounters {
  readonly preemptions: number;
  /** Prefix-cache lookups on admission, in tokens (vLLM `prefix_cache_queries`). */
  readonly prefixCacheQueriesTokens: number;
  readonly prefixCacheHitsTokens: number;
  /** Prompt tokens of newly added requests. */
  readonly promptTokens: number;
  readonly generationTokens: number;
  /** Tokens prefilled again after a preemption (not counting prefix hits). */
  readonly recomputedTokens: number;
}

export interface EngineStats {
  readonly running: number;
  readonly waiting: number;
  /** Tokens (prompt + generated) of the request at the head of the waiting queue, 0 if none. */
  readonly waitingHeadTokens: number;
  /** Used blocks / total blocks, in [0, 1] (vLLM `kv_cache_usage_perc`). */
  readonly kvUsage: number;
  readonly usedBlocks: number;
  readonly totalBlocks: number;
  readonly counters: EngineCounters;
}
