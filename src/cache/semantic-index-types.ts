/**
 * Types and defaults of the semantic index facade (semantic-index.ts): the request and result
 * shapes the cache policy wiring calls with. Declarations only, plus the byte accounting rule.
 */
import type { CachedAnswer, CachedDocument, DocumentStore } from './stores/document-store.js';
import type {
  Candidate,
  RemovalReason,
  RemovedEntry,
  ShardIndexParams,
  ShardQuota,
  SnapshotLoad,
} from './worker-protocol.js';

export interface SemanticIndexOptions {
  readonly store: DocumentStore;
  readonly index: Pick<ShardIndexParams, 'dims'> & Partial<ShardIndexParams>;
  /** Directory for per-shard snapshots; null disables snapshots (rebuild from the store on open). */
  readonly snapshotDir: string | null;
  readonly maxWorkers?: number;
  readonly maxPendingPerWorker?: number;
  /** Clock reading used to expire entries while opening. */
  readonly nowMs: number;
  /** Close the store in close() (default true). */
  readonly closeStore?: boolean;
}

export const DEFAULT_INDEX_PARAMS: Omit<ShardIndexParams, 'dims'> = {
  space: 'ip',
  m: 16,
  efConstruction: 200,
  ef: 96,
  initialCapacity: 1024,
  maxElements: 200_000,
  randomSeed: 100,
};

export interface InsertRequest {
  readonly id: string;
  readonly category: string;
  readonly scopeKey: string;
  /** Unit-norm embedding; copied, the caller keeps its array. */
  readonly vector: Float32Array;
  readonly meta: { readonly tenant: string; readonly contextFingerprint: string };
  readonly answer: CachedAnswer;
  readonly ttlMs: number;
  readonly nowMs: number;
  readonly quota: ShardQuota;
}

export type InsertResult =
  | { readonly kind: 'stored'; readonly bytes: number; readonly removed: readonly RemovedEntry[] }
  | { readonly kind: 'not-stored'; readonly reason: 'ttl-zero' | 'too-large' | 'rejected-by-index' };

export interface SearchRequest {
  readonly category: string;
  readonly scopeKey: string;
  readonly vector: Float32Array;
  readonly k: number;
  readonly nowMs: number;
  readonly ef?: number;
}

export interface InvalidateRequest {
  readonly category?: string;
  readonly scopeKey?: string;
  readonly id?: string;
}

export interface CategoryStats {
  readonly entries: number;
  readonly bytes: number;
  readonly shards: number;
  readonly evictions: Readonly<Record<RemovalReason, number>>;
}

export interface ShardOpenReport {
  readonly shardKey: string;
  readonly snapshot: SnapshotLoad | { readonly kind: 'disabled' };
  /** Documents added from the store because the snapshot lacked them. */
  readonly rebuiltEntries: number;
  readonly droppedEntries: number;
}

export interface SemanticIndex {
  readonly openReport: readonly ShardOpenReport[];
  insert(req: InsertRequest): Promise<InsertResult>;
  search(req: SearchRequest): Promise<Candidate[]>;
  getDocument(category: string, scopeKey: string, id: string): Promise<CachedDocument | undefined>;
  /** A served hit: the entry becomes most recently used in its shard's LRU. */
  recordHit(req: {
    readonly category: string;
    readonly scopeKey: string;
    readonly id: string;
    readonly nowMs: number;
  }): Promise<boolean>;
  invalidate(req: InvalidateRequest): Promise<number>;
  /** Expires due entries in every shard and deletes their documents. */
  sweep(nowMs: number): Promise<number>;
  stats(nowMs: number): Promise<Record<string, CategoryStats>>;
  snapshot(): Promise<readonly string[]>;
  close(): Promise<void>;
  /** Fault injection for tests: kills the worker owning a shard; its shards reload from the store. */
  crashShardWorkerForTest(category: string, scopeKey: string): Promise<void>;
}

/** Bytes an entry is charged against its category's byte quota. */
export function entryBytes(answer: CachedAnswer, dims: number): number {
  return Buffer.byteLength(answer.responseText, 'utf8') + 4 * (answer.tokenIds?.length ?? 0) + 4 * dims + 256;
}
