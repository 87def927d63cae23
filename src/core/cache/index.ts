/**
 * Public surface of the semantic-cache policy. The mechanism (src/cache) and the gateway import from
 * here only; everything behind it is pure and free of I/O.
 */
export type * from './types.js';
export { createCachePolicy, validateCachePolicyConfig, type CachePolicy } from './policy.js';
export type { CentroidScores } from './classify.js';
export { LoadSmoother, createLoadSmoother, pressureFrom, adaptPolicy, type LoadSignal } from './adaptive.js';
export { cacheControlDirectives } from './admission.js';
export {
  normalizePrompt,
  messageText,
  lastUserMessage,
  lastUserIndex,
  contextFingerprint,
  scopeKey,
  exactKey,
} from './keys.js';
export { fnv1a64, Fnv64 } from './hash.js';
export {
  GUARDS,
  GUARD_NAMES,
  applyGuards,
  checkPair,
  type Guard,
  type GuardName,
  type GuardVerdict,
} from './guards.js';
export { analyzeText, type TextFeatures } from './text-features.js';
export { DEFAULT_CACHE_POLICY, DEFAULT_CATEGORIES, DEFAULT_LOAD, GENERIC_CATEGORY } from './defaults.js';
