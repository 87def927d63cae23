/**
 * The one message protocol between the main thread (shard-pool.ts) and the HNSW shard workers
 * (index-shard-worker.ts). Both sides import these types; vectors travel as transferred
 * Float32Arrays. Nothing here does I/O.
 */

export type SpaceName = 'cosine' | 'ip';

/** HNSW parameters shared by every shard a pool creates. */
export interface ShardIndexParams {
  readonly dims: number;
  readonly space: SpaceName;
  readonly m: number;
  readonly efConstruction: number;
  /** Search breadth; hnswlib's default of 10 is too low for recall, use 64-128. */
  readonly ef: number;
  /** Slots allocated when a shard is created; the index doubles up to `maxElements`. */
  readonly initialCapacity: number;
  /** Hard ceiling on slots per shard: at the ceiling the least recently hit entry is evicted. */
  readonly maxElements: number;
  readonly randomSeed: number;
}

/** What the index keeps per entry so the caller can filter candidates without the store. */
export interface EntryMeta {
  readonly id: string;
  readonly tenant: string;
  readonly contextFingerprint: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly bytes: number;
}

export interface ShardQuota {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export type RemovalReason =
  'expired' | 'evicted-entries' | 'evicted-bytes' | 'evicted-capacity' | 'invalidated' | 'replaced';

export interface RemovedEntry {
  readonly shardKey: string;
  readonly id: string;
  readonly reason: RemovalReason;
}

export interface InsertItem {
  readonly vector: Float32Array;
  readonly meta: EntryMeta;
}

export interface Candidate {
  readonly label: number;
  readonly similarity: number;
  readonly meta: EntryMeta;
}

export interface ShardStats {
  readonly shardKey: string;
  readonly entries: number;
  readonly bytes: number;
  readonly slots: number;
  readonly capacity: number;
  readonly evictions: Readonly<Record<RemovalReason, number>>;
}

export type SnapshotLoad =
  | { readonly kind: 'loaded'; readonly entries: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Requests carry `nowMs` from the main thread's clock: the worker has no clock of its own. */
export type ShardRequest =
  | {
      readonly type: 'insert';
      readonly requestId: number;
      readonly shardKey: string;
      readonly nowMs: number;
      readonly quota: ShardQuota;
      readonly items: readonly InsertItem[];
    }
  | {
      readonly type: 'search';
      readonly requestId: number;
      readonly shardKey: string;
      readonly nowMs: number;
      readonly vector: Float32Array;
      readonly k: number;
      readonly ef?: number;
    }
  | {
      readonly type: 'touch';
      readonly requestId: number;
      readonly shardKey: string;
      readonly nowMs: number;
      readonly id: string;
    }
  | {
      readonly type: 'invalidate';
      readonly requestId: number;
      readonly shardKey: string | null;
      readonly nowMs: number;
      readonly id: string | null;
      readonly all: boolean;
    }
  | { readonly type: 'sweep'; readonly requestId: number; readonly nowMs: number }
  | { readonly type: 'stats'; readonly requestId: number; readonly nowMs: number }
  | { readonly type: 'snapshot'; readonly requestId: number; readonly dir: string }
  | { readonly type: 'load'; readonly requestId: number; readonly shardKey: string; readonly dir: string }
  | {
      readonly type: 'reconcile';
      readonly requestId: number;
      readonly shardKey: string;
      readonly nowMs: number;
      readonly storeIds: readonly string[];
    }
  | { readonly type: 'close'; readonly requestId: number };

export type ShardResponse =
  | {
      readonly type: 'inserted';
      readonly requestId: number;
      readonly inserted: number;
      readonly rejected: readonly string[];
      readonly removed: readonly RemovedEntry[];
    }
  | {
      readonly type: 'searched';
      readonly requestId: number;
      readonly candidates: readonly Candidate[];
      readonly removed: readonly RemovedEntry[];
    }
  | { readonly type: 'touched'; readonly requestId: number; readonly found: boolean }
  | { readonly type: 'invalidated'; readonly requestId: number; readonly removed: readonly RemovedEntry[] }
  | { readonly type: 'swept'; readonly requestId: number; readonly removed: readonly RemovedEntry[] }
  | { readonly type: 'stats'; readonly requestId: number; readonly shards: readonly ShardStats[] }
  | { readonly type: 'snapshotted'; readonly requestId: number; readonly shardKeys: readonly string[] }
  | { readonly type: 'loaded'; readonly requestId: number; readonly result: SnapshotLoad }
  | {
      readonly type: 'reconciled';
      readonly requestId: number;
      readonly missing: readonly string[];
      readonly removed: readonly RemovedEntry[];
    }
  | { readonly type: 'closed'; readonly requestId: number }
  | { readonly type: 'error'; readonly requestId: number; readonly message: string };

/** Buffers to transfer with a request: every vector it carries. */
export function transferListOf(request: ShardRequest): ArrayBuffer[] {
  switch (request.type) {
    case 'insert':
      return [...new Set(request.items.map((item) => item.vector.buffer as ArrayBuffer))];
    case 'search':
      return [request.vector.buffer as ArrayBuffer];
    case 'touch':
    case 'invalidate':
    case 'sweep':
    case 'stats':
    case 'snapshot':
    case 'load':
    case 'reconcile':
    case 'close':
      return [];
  }
}
