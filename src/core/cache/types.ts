/**
 * Plain-data types of the semantic-cache policy: category settings (structurally identical to the
 * `cache` section of the config schema, which core must not import), the request view the gateway
 * builds, and the tagged outcomes of classification, admission and hit decisions.
 */
import type { TenantId } from '../ids.js';

/** Who may be served an entry: the storing tenant only (`tenant`) or everybody (`global`). */
export type CacheScope = 'tenant' | 'global';

export interface CategoryMatch {
  /** Regular expressions (source text, matched case-insensitively) against the last user message. */
  readonly regex: readonly string[];
  /** Whole words or phrases (case-insensitive) in the last user message. */
  readonly keywords: readonly string[];
  /** Case-insensitive substrings of the requested model name. */
  readonly models: readonly string[];
}

export interface AdaptiveSettings {
  readonly enabled: boolean;
  /** Largest amount the similarity threshold is lowered at full pressure (0..1). */
  readonly thresholdDelta: number;
  /** The threshold never goes below this, whatever the pressure. */
  readonly minSimilarity: number;
  /** Largest TTL multiplier at full pressure (>= 1). */
  readonly ttlFactor: number;
}

export interface CategoryConfig {
  readonly description: string;
  /** Higher wins when rules of several categories match; ties go to the earlier category. */
  readonly priority: number;
  readonly match: CategoryMatch;
  /** Sentences whose embedding centroid represents the category (computed by the mechanism). */
  readonly exemplars: readonly string[];
  /** Minimum cosine similarity (0..1) for a semantic hit at no load. */
  readonly similarity: number;
  /** Lifetime of an entry; 0 = never cache this category. */
  readonly ttlSeconds: number;
  readonly quota: { readonly maxEntries: number; readonly maxBytes: number };
  readonly scope: CacheScope;
  /** Requests with a higher sampling temperature are neither stored nor served. */
  readonly maxTemperature: number;
  readonly adaptive: AdaptiveSettings;
}

/** Settings of the load smoother shared by all categories (hysteresis and time constants). */
export interface LoadSettings {
  /** Smoothed pressure at which adaptation engages. */
  readonly engageAt: number;
  /** Smoothed pressure at or below which adaptation disengages (< engageAt: hysteresis). */
  readonly releaseAt: number;
  /** Pressure at which the full `thresholdDelta` / `ttlFactor` apply. */
  readonly fullAt: number;
  /** Half-life of the smoothed pressure while it rises, and while it falls. */
  readonly riseHalfLifeMs: number;
  readonly fallHalfLifeMs: number;
}

export interface CachePolicyConfig {
  /** Category name -> settings; object order breaks ties between equal priorities. */
  readonly categories: Readonly<Record<string, CategoryConfig>>;
  /** Category used when neither header, rules nor centroids decide. */
  readonly defaultCategory: string;
  /** A centroid decides only at or above this similarity, and by at least `centroidMargin` over the runner-up. */
  readonly centroidMinSimilarity: number;
  readonly centroidMargin: number;
  /** Finish reasons of answers that may be stored (`stop`; add `length` to store truncated answers). */
  readonly admitFinishReasons: readonly string[];
  /** Whether answers to requests that offer tools may be stored. */
  readonly allowTools: boolean;
  /** Temperature assumed when a request sets none (OpenAI's default is 1). */
  readonly defaultTemperature: number;
  /** Hard-negative guards applied before a semantic hit is served (names from guards.ts). */
  readonly guards: readonly string[];
  readonly load: LoadSettings;
}

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {});

export interface ChatMessage {
  readonly role: Role;
  /** Text, or OpenAI content parts (only `text` parts are read). */
  readonly content: string | readonly { readonly type: string; readonly text?: string }[] | null;
  readonly name?: string | undefined;
}

/** Parameters that change the answer and therefore partition the exact key. */
export interface SamplingParams {
  readonly model: string;
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
  readonly maxTokens?: number | undefined;
  readonly seed?: number | undefined;
  readonly stop?: readonly string[] | undefined;
  /** `text` for chat/completions text, `json` for response_format json, etc. */
  readonly responseFormat?: string | undefined;
}

/** What the gateway tells the policy about a request (no framework types). */
export interface CacheRequest {
  readonly tenant: TenantId;
  readonly model: string;
  /** Chat messages; a completions prompt is passed as one user message. */
  readonly messages: readonly ChatMessage[];
  /** Value of the `x-fairway-category` header, if any. */
  readonly categoryHeader?: string | undefined;
  /** Raw `Cache-Control` request header, if any. */
  readonly cacheControl?: string | undefined;
  /** Per-request opt-out (e.g. a body flag); true = neither read nor write the cache. */
  readonly optOut?: boolean | undefined;
  readonly temperature?: number | undefined;
  readonly n?: number | undefined;
  readonly hasTools?: boolean | undefined;
}

/** The finished upstream answer, as the mechanism saw it. */
export interface CacheResponse {
  /** HTTP status of the upstream answer. */
  readonly status: number;
  /** Finish reason of the single choice (`stop`, `length`, `abort`, ...); null if the stream broke. */
  readonly finishReason: string | null;
  readonly error: boolean;
  /** Whether the answer contains tool calls. */
  readonly hasToolCalls?: boolean | undefined;
}

export type ClassifySource = 'header' | 'rule' | 'centroid' | 'default';

export type Classification =
  | { readonly ok: true; readonly category: string; readonly source: ClassifySource; readonly detail: string }
  | { readonly ok: false; readonly error: 'unknown-category'; readonly name: string };

export type AdmitRejection =
  | 'opted-out'
  | 'no-store'
  | 'ttl-zero'
  | 'error'
  | 'incomplete'
  | 'temperature'
  | 'n-not-one'
  | 'tools'
  | 'unknown-category';

export type Admission = { readonly admit: true } | { readonly admit: false; readonly reason: AdmitRejection };

/** Threshold and TTL in force for one category at one load level. */
export interface EffectivePolicy {
  readonly category: string;
  readonly similarity: number;
  readonly ttlSeconds: number;
  /** How much of the adaptive range is in use, 0..1 (for metrics). */
  readonly adaptation: number;
}

/** The lookup side of a hit decision. */
export interface CacheQuery {
  readonly category: string;
  readonly scopeKey: string;
  readonly contextFingerprint: string;
  /** The last user message, as sent (guards read numbers, case and order from it). */
  readonly text: string;
  /** Smoothed load level in [0, 1] (see `LoadSmoother`); 0 when unknown. */
  readonly load: number;
}

/** A stored entry as the index and store describe it. */
export interface CacheCandidate {
  readonly category: string;
  readonly scopeKey: string;
  readonly contextFingerprint: string;
  readonly text: string;
  readonly storedAtMs: number;
  /** The category's TTL when the entry was stored (before adaptation). */
  readonly ttlSeconds: number;
}

export type MissReason =
  'category-mismatch' | 'scope-mismatch' | 'context-mismatch' | 'expired' | 'below-threshold' | 'guard';

export type HitDecision =
  | { readonly hit: true; readonly similarity: number; readonly threshold: number }
  | {
      readonly hit: false;
      readonly reason: MissReason;
      readonly similarity: number;
      readonly threshold: number;
      /** For `guard`: the guard's name and what it saw. */
      readonly guard?: string;
      readonly detail?: string;
    };
