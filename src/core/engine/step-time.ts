/**
 * The step-time model: the duration of one engine iteration from what it scheduled. Pure arithmetic;
 * the coefficients come from a preset (presets.ts).
 */
import type { StepTimeCoefficients } from './presets.js';

/** What one step computed, as the step-time model sees it. */
export interface StepShape {
  /** Prompt (or recompute) tokens computed this step: prefix-cache hits are not computed. */
  readonly prefillTokens: number;
  /** Sum over prefill chunks of chunkLen^2 (attention's quadratic term). */
  readonly sumSquaredChunkTokens: number;
  /** Number of requests that decoded one token this step. */
  readonly decodeBatch: number;
  /** Sum of the context lengths (tokens already in KV + 1) of the decoding requests. */
  readonly sumDecodeContextTokens: number;
}

/** Step duration in ms: a + b*P + c*sum(chunk^2) + d*sum(ctx) + e*bs; 0 for an empty step. */
export function stepDurationMs(k: StepTimeCoefficients, s: StepShape): number {
  if (s.prefillTokens === 0 && s.decodeBatch === 0) return 0;
  return (
    k.aMs +
    k.bMsPerPrefillToken * s.prefillTokens +
    k.cMsPerSquaredChunkToken * s.sumSquaredChunkTokens +
    k.dMsPerContextToken * s.sumDecodeContextTokens +
    k.eMsPerDecodeSeq * s.decodeBatch
  );
}
