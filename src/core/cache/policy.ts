/**
 * `createCachePolicy(config)`: the one object the cache mechanism and the gateway call. It owns the
 * compiled category rules and answers classification, admission, effective (load-adapted) policy and
 * hit decisions as pure functions of their arguments. Rebuild it to apply a live policy change.
 */
import type { TenantId } from '../ids.js';
import { adaptPolicy } from './adaptive.js';
import { mayLookup as mayLookupWith, isAdmissible as isAdmissibleWith } from './admission.js';
import { createClassifier, regexProblems, type CentroidScores } from './classify.js';
import { decideHitWith } from './decide.js';
import { GUARDS, type Guard } from './guards.js';
import { scopeKey } from './keys.js';
import { analyzeText, type TextFeatures } from './text-features.js';
import type {
  Admission,
  CacheCandidate,
  CachePolicyConfig,
  CacheQuery,
  CacheRequest,
  CacheResponse,
  CategoryConfig,
  Classification,
  EffectivePolicy,
  HitDecision,
} from './types.js';

export interface CachePolicy {
  readonly config: CachePolicyConfig;
  /** Category names in config order. */
  readonly categoryNames: readonly string[];
  category(name: string): CategoryConfig | undefined;
  /** Header override, then rules, then centroid scores (if the mechanism computed them), then default. */
  classify(request: CacheRequest, centroids?: CentroidScores): Classification;
  /** Threshold and TTL of `category` at adaptation level `load` in [0, 1] (see LoadSmoother). */
  effectivePolicy(category: string, load: number): EffectivePolicy | undefined;
  /** The partition key for `tenant` under the category's scope. */
  scopeKeyFor(category: string, tenant: TenantId): string | undefined;
  /** May this request be answered from the cache at all? */
  mayLookup(request: CacheRequest, category: string): Admission;
  /** May this finished answer be stored? */
  isAdmissible(request: CacheRequest, response: CacheResponse, category: string): Admission;
  /** Hit or miss (with reason) for one candidate at cosine `similarity`, at time `nowMs`. */
  decideHit(query: CacheQuery, candidate: CacheCandidate, similarity: number, nowMs: number): HitDecision;
  /** Longest an entry of `category` can be served (TTL at full adaptation): evict after this. */
  maxLifetimeMs(category: string): number;
}

const inUnit = (x: number): boolean => Number.isFinite(x) && x >= 0 && x <= 1;

/** Every problem with a policy config, as `path: message`; empty when it can be used. */
export function validateCachePolicyConfig(config: CachePolicyConfig): string[] {
  const out = regexProblems(config);
  const names = Object.keys(config.categories);
  if (names.length === 0) out.push('/categories: at least one category is required');
  if (config.categories[config.defaultCategory] === undefined) {
    out.push(`/defaultCategory: "${config.defaultCategory}" is not a category`);
  }
  const lower = new Set<string>();
  for (const name of names) {
    if (lower.has(name.toLowerCase())) out.push(`/categories/${name}: differs from another name only by case`);
    lower.add(name.toLowerCase());
    const c = config.categories[name]!;
    const p = `/categories/${name}`;
    if (!inUnit(c.similarity)) out.push(`${p}/similarity: must be within [0, 1]`);
    if (!(c.ttlSeconds >= 0)) out.push(`${p}/ttlSeconds: must be >= 0`);
    if (!(c.quota.maxEntries >= 1) || !(c.quota.maxBytes >= 1)) out.push(`${p}/quota: must be finite and >= 1`);
    if (!inUnit(c.adaptive.thresholdDelta)) out.push(`${p}/adaptive/thresholdDelta: must be within [0, 1]`);
    if (!inUnit(c.adaptive.minSimilarity)) out.push(`${p}/adaptive/minSimilarity: must be within [0, 1]`);
    if (!(c.adaptive.ttlFactor >= 1)) out.push(`${p}/adaptive/ttlFactor: must be >= 1`);
  }
  const l = config.load;
  if (!(l.releaseAt < l.engageAt && l.engageAt <= l.fullAt && l.releaseAt >= 0 && l.fullAt <= 1)) {
    out.push('/load: need 0 <= releaseAt < engageAt <= fullAt <= 1');
  }
  if (!(l.riseHalfLifeMs > 0 && l.fallHalfLifeMs > 0)) out.push('/load: half-lives must be > 0');
  for (const g of config.guards) {
    if (!GUARDS.some((x) => x.name === g)) out.push(`/guards: unknown guard "${g}"`);
  }
  return out;
}

/** Builds the policy; throws a RangeError listing every problem when the config is invalid. */
export function createCachePolicy(config: CachePolicyConfig): CachePolicy {
  const problems = validateCachePolicyConfig(config);
  if (problems.length > 0) throw new RangeError(`invalid cache policy:\n  ${problems.join('\n  ')}`);
  const categories = new Map(Object.entries(config.categories));
  const classifier = createClassifier(config);
  const guards: readonly Guard[] = GUARDS.filter((g) => config.guards.includes(g.name));
  // one-entry memo: the mechanism checks k candidates against the same query text in a row
  let lastText: string | null = null;
  let lastFeatures: TextFeatures | null = null;
  const analyzeQuery = (text: string): TextFeatures => {
    if (text !== lastText || lastFeatures === null) {
      lastFeatures = analyzeText(text);
      lastText = text;
    }
    return lastFeatures;
  };

  return {
    config,
    categoryNames: [...categories.keys()],
    category: (name) => categories.get(name),
    classify: (request, centroids) => classifier.classify(request, centroids),
    effectivePolicy(name, load) {
      const c = categories.get(name);
      return c === undefined ? undefined : adaptPolicy(name, c, load);
    },
    scopeKeyFor(name, tenant) {
      const c = categories.get(name);
      return c === undefined ? undefined : scopeKey(c.scope, tenant);
    },
    mayLookup: (request, name) => mayLookupWith(config, categories.get(name), request),
    isAdmissible: (request, response, name) => isAdmissibleWith(config, categories.get(name), request, response),
    decideHit: (query, candidate, similarity, nowMs) =>
      decideHitWith(categories.get(query.category), guards, analyzeQuery, query, candidate, similarity, nowMs),
    maxLifetimeMs(name) {
      const c = categories.get(name);
      if (c === undefined) return 0;
      return c.ttlSeconds * 1000 * (c.adaptive.enabled ? Math.max(1, c.adaptive.ttlFactor) : 1);
    },
  };
}
