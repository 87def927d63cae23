/**
 * Public surface of the simulated vLLM engine: the engine, its presets and step-time model, the
 * deterministic tokenizer and generator. Re-exports only.
 */
export { Engine, createEngine } from './engine.js';
export { ENGINE_PRESETS, DEFAULT_PRESET, findPreset } from './presets.js';
export type { EnginePreset, StepTimeCoefficients } from './presets.js';
export { stepDurationMs } from './step-time.js';
export type { StepShape } from './step-time.js';
export { BLOCK_SIZE_TOKENS } from './kv-cache.js';
export * from './tokenizer.js';
export { chooseToken, contextHashOf, pushContextHash, EOS_ONE_IN } from './generator.js';
export type * from './types.js';
