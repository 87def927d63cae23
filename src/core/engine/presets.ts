/**
 * Engine presets: step-time coefficients, KV capacity and context limits for the instances the
 * simulator models, each number with its source (reference/algorithms.md sections 5.2 and 5.3).
 * Data only; the step-time formula lives in step-time.ts.
 */

/** step(ms) = aMs + bMsPerPrefillToken*P + cMsPerSquaredChunkToken*sum(chunk^2) + dMsPerContextToken*sum(ctx) + eMsPerDecodeSeq*bs */
export interface StepTimeCoefficients {
  readonly aMs: number;
  readonly bMsPerPrefillToken: number;
  readonly cMsPerSquaredChunkToken: number;
  readonly dMsPerContextToken: number;
  readonly eMsPerDecodeSeq: number;
}

export interface EnginePreset {
  readonly name: string;
  readonly stepTime: StepTimeCoefficients;
  /** KV cache capacity in tokens (rounded down to whole 16-token blocks by the engine). */
  readonly kvTokens: number;
  readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  /** Where the numbers come from. */
  readonly source: string;
}

const US = 0.001; // ms per microsecond

/**
 * DistServe A100 OPT-13B fit (simdistserve profiler-a100-80g.vllm.json, algorithms.md 5.3b) scaled to
 * Llama-2-7B on an A10 by roofline ratios: compute-bound terms (prefill b, c) by params x peak-FLOPS
 * ratio (7/13) * (312/125) = 1.344; memory-bound terms (decode a, d, e) by params x HBM-bandwidth ratio
 * (7/13) * (2000/600) = 1.795. A10 peak bf16 125 TFLOPS dense and 600 GB/s are NVIDIA datasheet values.
 */
const A10_COMPUTE_SCALE = (7 / 13) * (312 / 125);
const A10_MEMORY_SCALE = (7 / 13) * (2000 / 600);

export const ENGINE_PRESETS: Readonly<Record<string, EnginePreset>> = {
  'llama3-8b-a100': {
    name: 'llama3-8b-a100',
    // BLIS blackbox row Llama-3.1-8B / A100-80 / TP1 / vLLM 0.8.4: beta0 16441.5us, beta1 47.84us, beta2 18.21us.
    stepTime: {
      aMs: 16_441.5 * US,
      bMsPerPrefillToken: 47.84 * US,
      cMsPerSquaredChunkToken: 0,
      dMsPerContextToken: 0,
      eMsPerDecodeSeq: 18.21 * US,
    },
    kvTokens: 430_000, // algorithms.md 5.2: 8B on 1x A100-80GB, ~52.7 GiB / 128 KiB per token
    maxModelLen: 8192, // algorithms.md 6.2: preset A truncates context to 8K
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'BLIS defaults.yaml@938f8d88 A100 8B row; KV from algorithms.md 5.2',
  },
  'llama3-8b-h100': {
    name: 'llama3-8b-h100',
    // BLIS Llama-3.1-8B / H100 / TP1 / vLLM 0.11.0: beta0 6472.0us, beta1 19.80us. Its beta2 (304.40us) is
    // flagged suspicious in algorithms.md, so the decode term uses the H100 TP2 row's beta2 (2.84us).
    stepTime: {
      aMs: 6472.0 * US,
      bMsPerPrefillToken: 19.8 * US,
      cMsPerSquaredChunkToken: 0,
      dMsPerContextToken: 0,
      eMsPerDecodeSeq: 2.84 * US,
    },
    kvTokens: 430_000, // algorithms.md 5.2: 8B on 1x H100-80GB
    maxModelLen: 8192,
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'BLIS H100 TP1 row (beta0, beta1) + H100 TP2 row (beta2); KV from algorithms.md 5.2',
  },
  'llama3-70b-h100-tp4': {
    name: 'llama3-70b-h100-tp4',
    // BLIS Llama-3.3-70B / H100 / TP4 / vLLM 0.8.4: beta0 12601.3us, beta1 76.42us, beta2 66.84us.
    stepTime: {
      aMs: 12_601.3 * US,
      bMsPerPrefillToken: 76.42 * US,
      cMsPerSquaredChunkToken: 0,
      dMsPerContextToken: 0,
      eMsPerDecodeSeq: 66.84 * US,
    },
    kvTokens: 475_000, // algorithms.md 5.2: 70B on 4x H100 (TP4), ~145 GiB / 320 KiB per token
    maxModelLen: 8192,
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'BLIS defaults.yaml@938f8d88 H100 TP4 70B row; KV from algorithms.md 5.2',
  },
  'llama2-7b-a10': {
    name: 'llama2-7b-a10',
    stepTime: {
      aMs: 19.56 * A10_MEMORY_SCALE,
      bMsPerPrefillToken: 0.15055 * A10_COMPUTE_SCALE,
      cMsPerSquaredChunkToken: 8.65e-6 * A10_COMPUTE_SCALE,
      dMsPerContextToken: 4.94e-4 * A10_MEMORY_SCALE,
      eMsPerDecodeSeq: 0.0506 * A10_MEMORY_SCALE,
    },
    kvTokens: 10_560, // algorithms.md 5.2: Llama-2-7B on A10 ~10-11k tokens (660 blocks)
    maxModelLen: 4096, // Llama-2 context length
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'DistServe OPT-13B A100 fit (decode bs<95 row) scaled by roofline ratios; KV from algorithms.md 5.2',
  },
  'opt-13b-a100-distserve': {
    name: 'opt-13b-a100-distserve',
    // DistServe A100 OPT-13B TP1, unscaled: prefill (23.63, 0.15055, 8.65e-6), decode bs<95 (19.56, 4.94e-4, 0.0506);
    // a mixed step takes the decode constant as its fixed cost.
    stepTime: {
      aMs: 19.56,
      bMsPerPrefillToken: 0.15055,
      cMsPerSquaredChunkToken: 8.65e-6,
      dMsPerContextToken: 4.94e-4,
      eMsPerDecodeSeq: 0.0506,
    },
    kvTokens: 430_000,
    maxModelLen: 2048, // OPT context length
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'simdistserve time_estimator.py + profiler-a100-80g.vllm.json (algorithms.md 5.3b)',
  },
  'zero-cost': {
    name: 'zero-cost',
    // Every step takes 0 ms: isolates gateway overhead in benchmarks.
    stepTime: { aMs: 0, bMsPerPrefillToken: 0, cMsPerSquaredChunkToken: 0, dMsPerContextToken: 0, eMsPerDecodeSeq: 0 },
    kvTokens: 4_194_304,
    maxModelLen: 32_768,
    maxNumBatchedTokens: 8192,
    maxNumSeqs: 256,
    source: 'synthetic (overhead benchmarks)',
  },
};

export const DEFAULT_PRESET = 'llama3-8b-a100';

/** The preset named `name`, or undefined for an unknown name. */
export function findPreset(name: string): EnginePreset | undefined {
  return Object.hasOwn(ENGINE_PRESETS, name) ? ENGINE_PRESETS[name] : undefined;
}
