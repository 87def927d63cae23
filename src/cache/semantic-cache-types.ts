/**
 * Types of the semantic cache service (semantic-cache.ts): what the gateway passes in, the tagged
 * outcomes it gets back, the observer the metrics implement, and the parts the service is built
 * from. Declarations only.
 */
import type { Clock } from '../core/clock.js';
import type {
  AdmitRejection,
  CachePolicyConfig,
  CacheRequest,
  CacheResponse,
  LoadSignal,
  SamplingParams,
} from '../core/cache/index.js';
import type { Embedder } from './embedders/embedder.js';
import type { SemanticIndex } from './semantic-index.js';
import type { CachedAnswer } from './stores/document-store.js';
import type { RemovalReason } from './worker-protocol.js';
import type { VerifierWeights } from './verifier.js';
import type { PolicyOverrideStore } from './policy-overrides.js';

export type CacheTier = 'exact' | 'lexical' | 'semantic';
/** What the gateway reports as the serving tier: a cache tier, or `coalesced` (an identical in-flight request's answer). */
export type ServedTier = CacheTier | 'coalesced';
export type LookupResultKind = 'hit' | 'miss' | 'bypass';

/** A cached answer as stored: the answer plus the query it answered (guards and the verifier read it). */
export interface StoredAnswer extends CachedAnswer {
  readonly query: string;
  /** The category's TTL when stored (before load adaptation). */
  readonly ttlSeconds: number;
}

/** What the gateway asks with: the policy's request view plus the sampling parameters of the exact key. */
export interface CacheLookupRequest extends CacheRequest {
  readonly sampling: SamplingParams;
}

/** Everything lookup worked out that store needs again (so nothing is classified or embedded twice). */
export interface CacheTicket {
  readonly request: CacheLookupRequest;
  readonly category: string;
  readonly scopeKey: string;
  readonly fingerprint: string;
  readonly text: string;
  readonly normalized: string;
  readonly exactKey: string;
}

export type LookupOutcome =
  | {
      readonly kind: 'hit';
      readonly ticket: CacheTicket;
      readonly tier: CacheTier;
      readonly entryId: string;
      /** Cosine of the tier's embedding (1 on the exact tier). */
      readonly similarity: number;
      /** Verified score compared with the threshold (1 on the exact tier). */
      readonly score: number;
      readonly threshold: number;
      readonly answer: StoredAnswer;
    }
  | {
      readonly kind: 'miss';
      readonly ticket: CacheTicket;
      /** Best candidate's score and why it was not served, when there was one. */
      readonly bestScore: number | null;
      readonly reason: string;
    }
  | {
      readonly kind: 'bypass';
      /** Null when the request cannot be cached at all (store will not be attempted). */
      readonly ticket: CacheTicket | null;
      readonly category: string | null;
      readonly reason: AdmitRejection | 'disabled';
    }
  | { readonly kind: 'unknown-category'; readonly name: string };

export type StoreOutcome =
  | { readonly stored: true; readonly id: string; readonly tiers: readonly CacheTier[] }
  | { readonly stored: false; readonly reason: string };

/** The finished upstream answer the gateway offers for storing. */
export interface FinishedAnswer {
  readonly answer: CachedAnswer;
  readonly response: CacheResponse;
}

export interface CacheObserver {
  lookup(category: string, tier: CacheTier | 'none', result: LookupResultKind, seconds: number): void;
  stored(category: string): void;
  evicted(category: string, reason: RemovalReason, count: number): void;
}

export interface InvalidateSelector {
  readonly category?: string;
  readonly tenant?: string;
  readonly id?: string;
}

export interface CategoryLiveStats {
  readonly entries: number;
  readonly bytes: number;
  readonly exactEntries: number;
  readonly evictions: Readonly<Record<string, number>>;
  readonly lookups: number;
  readonly hits: Readonly<Record<CacheTier, number>>;
  /** Threshold and TTL in force now (after load adaptation). */
  readonly effective: { readonly similarity: number; readonly ttlSeconds: number; readonly adaptation: number };
}

export interface CacheStats {
  readonly load: { readonly level: number; readonly smoothedPressure: number; readonly engaged: boolean };
  readonly tiers: Readonly<Record<CacheTier, boolean>>;
  readonly embedder: string | null;
  readonly categories: Readonly<Record<string, CategoryLiveStats>>;
}

/** The parts a service is assembled from; `openSemanticCache` builds them from config. */
export interface SemanticCacheParts {
  readonly policy: CachePolicyConfig;
  readonly clock: Clock;
  /** Exact tier on/off. */
  readonly exact: boolean;
  /** Feature-hashing embedder: lexical tier vectors and the verifier's lexical feature. */
  readonly hashEmbedder: Embedder;
  /** Lexical near-duplicate tier (hash vectors); null = off. */
  readonly lexicalIndex: SemanticIndex | null;
  /** Semantic tier; both null = off. */
  readonly semanticEmbedder: Embedder | null;
  readonly semanticIndex: SemanticIndex | null;
  readonly verifiers: { readonly lexical: VerifierWeights; readonly semantic: VerifierWeights };
  /** Nearest neighbours checked per tier. */
  readonly searchK: number;
  readonly sweepIntervalMs: number;
  readonly loadSampleIntervalMs: number;
  readonly observer?: CacheObserver;
  /** The scheduler's view of downstream load, sampled by the service's timer. */
  readonly loadProbe?: () => LoadSignal | null;
  /** Where live category overrides are kept (default: in memory, lost at restart). */
  readonly overrides?: PolicyOverrideStore;
  /** Embedders closed with the service (borrowed ones are left open). */
  readonly ownedEmbedders?: readonly Embedder[];
}
