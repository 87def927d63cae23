/**
 * One HNSW shard: the hnswlib index of a (category, scope) pair plus the per-entry metadata, LRU
 * order, TTL heap, quotas and snapshot files. It is single-owner and synchronous: only the shard
 * worker that owns it (or a benchmark in-process) may call it, so writes serialize without locks.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { MinHeap } from './min-heap.js';
import type {
  Candidate,
  EntryMeta,
  InsertItem,
  RemovalReason,
  RemovedEntry,
  ShardIndexParams,
  ShardQuota,
  ShardStats,
  SnapshotLoad,
} from './worker-protocol.js';

const SNAPSHOT_VERSION = 1;

type MetaRow = [
  label: number,
  id: string,
  tenant: string,
  fingerprint: string,
  createdAtMs: number,
  expiresAtMs: number,
  bytes: number,
];

interface SnapshotMeta {
  readonly version: number;
  readonly shardKey: string;
  readonly dims: number;
  readonly space: string;
  readonly nextLabel: number;
  readonly hnswBytes: number;
  readonly hnswSha1: string;
  /** Live entries, least recently hit first. */
  readonly rows: MetaRow[];
}

const zeroEvictions = (): Record<RemovalReason, number> => ({
  expired: 0,
  'evicted-entries': 0,
  'evicted-bytes': 0,
  'evicted-capacity': 0,
  invalidated: 0,
  replaced: 0,
});

/** File stem of a shard's snapshot: shard keys hold tenant ids, so they are hashed, never used as paths. */
export function shardFileStem(shardKey: string): string {
  return `shard-${createHash('sha1').update(shardKey).digest('hex').slice(0, 24)}`;
}

function sha1OfFile(path: string): string {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

export class HnswShard {
  readonly shardKey: string;
  #params: ShardIndexParams;
  #index: hnswlib.HierarchicalNSW;
  /** Live entries by label; Map order is the LRU order (first = least recently hit). */
  #byLabel: Map<number, EntryMeta>;
  #labelById: Map<string, number>;
  #expiry: MinHeap;
  #nextLabel: number;
  /** Slots marked deleted and not yet reused by `addPoint(..., true)`. */
  #deletedSlots: number;
  #bytes: number;
  #evictions: Record<RemovalReason, number>;

  constructor(shardKey: string, params: ShardIndexParams) {
    this.shardKey = shardKey;
    this.#params = params;
    this.#index = this.#freshIndex();
    this.#byLabel = new Map();
    this.#labelById = new Map();
    this.#expiry = new MinHeap();
    this.#nextLabel = 0;
    this.#deletedSlots = 0;
    this.#bytes = 0;
    this.#evictions = zeroEvictions();
  }

  get size(): number {
    return this.#byLabel.size;
  }

  #freshIndex(): hnswlib.HierarchicalNSW {
    const p = this.#params;
    const index = new hnswlib.HierarchicalNSW(p.space, p.dims);
    index.initIndex({
      maxElements: Math.max(1, Math.min(p.initialCapacity, p.maxElements)),
      m: p.m,
      efConstruction: p.efConstruction,
      randomSeed: p.randomSeed,
      allowReplaceDeleted: true,
    });
    index.setEf(p.ef);
    return index;
  }

  /** Marks every entry due at `nowMs` deleted: O(expired log n), no graph rebuild. */
  sweep(nowMs: number, removed: RemovedEntry[]): void {
    const heap = this.#expiry;
    for (let due = heap.peekKey(); due !== undefined && due <= nowMs; due = heap.peekKey()) {
      const label = heap.pop()!;
      const meta = this.#byLabel.get(label);
      if (meta !== undefined && meta.expiresAtMs <= nowMs) this.#remove(label, meta, 'expired', removed);
    }
    // Stale heap pairs (entries already removed) are compacted when they dominate.
    if (heap.size > 2 * this.#byLabel.size + 1024) {
      heap.clear();
      for (const [label, meta] of this.#byLabel) heap.push(meta.expiresAtMs, label);
    }
  }

  #remove(label: number, meta: EntryMeta, reason: RemovalReason, removed: RemovedEntry[]): void {
    this.#index.markDelete(label);
    this.#byLabel.delete(label);
    this.#labelById.delete(meta.id);
    this.#bytes -= meta.bytes;
    this.#deletedSlots += 1;
    this.#evictions[reason] += 1;
    removed.push({ shardKey: this.shardKey, id: meta.id, reason });
  }

  #evictLeastRecent(reason: RemovalReason, removed: RemovedEntry[]): boolean {
    const first = this.#byLabel.entries().next();
    if (first.done === true) return false;
    const [label, meta] = first.value;
    this.#remove(label, meta, reason, removed);
    return true;
  }

  /** Inserts or replaces entries; returns the ids it refused (expired, wrong dims, over quota alone). */
  insert(items: readonly InsertItem[], quota: ShardQuota, nowMs: number, removed: RemovedEntry[]): string[] {
    this.sweep(nowMs, removed);
    const rejected: string[] = [];
    const p = this.#params;
    for (const { vector, meta } of items) {
      if (
        vector.length !== p.dims ||
        meta.expiresAtMs <= nowMs ||
        meta.bytes > quota.maxBytes ||
        quota.maxEntries < 1
      ) {
        rejected.push(meta.id);
        continue;
      }
      const previous = this.#labelById.get(meta.id);
      if (previous !== undefined) this.#remove(previous, this.#byLabel.get(previous)!, 'replaced', removed);
      while (this.#byLabel.size >= quota.maxEntries) this.#evictLeastRecent('evicted-entries', removed);
      while (this.#bytes + meta.bytes > quota.maxBytes) this.#evictLeastRecent('evicted-bytes', removed);
      const index = this.#index;
      if (this.#deletedSlots === 0 && index.getCurrentCount() >= index.getMaxElements()) {
        const capacity = index.getMaxElements();
        if (capacity < p.maxElements) index.resizeIndex(Math.min(p.maxElements, capacity * 2));
        else this.#evictLeastRecent('evicted-capacity', removed);
      }
      const label = this.#nextLabel++;
      index.addPoint(Array.from(vector), label, true);
      if (this.#deletedSlots > 0) this.#deletedSlots -= 1;
      this.#byLabel.set(label, meta);
      this.#labelById.set(meta.id, label);
      this.#bytes += meta.bytes;
      this.#expiry.push(meta.expiresAtMs, label);
    }
    return rejected;
  }

  /** Up to `k` nearest live, unexpired entries, most similar first (similarity = 1 - distance). */
  search(vector: Float32Array, k: number, ef: number | undefined, nowMs: number, removed: RemovedEntry[]): Candidate[] {
    this.sweep(nowMs, removed);
    const live = this.#byLabel.size;
    if (live === 0 || k < 1 || vector.length !== this.#params.dims) return [];
    const kk = Math.min(k, live);
    const wantEf = Math.max(ef ?? this.#params.ef, kk);
    if (this.#index.getEf() !== wantEf) this.#index.setEf(wantEf);
    const result = this.#index.searchKnn(Array.from(vector), kk);
    const out: Candidate[] = [];
    for (let i = 0; i < result.neighbors.length; i++) {
      const label = result.neighbors[i]!;
      const meta = this.#byLabel.get(label);
      if (meta === undefined) continue;
      out.push({ label, similarity: 1 - result.distances[i]!, meta });
    }
    out.sort((a, b) => b.similarity - a.similarity);
    return out;
  }

  /** Records a served hit: the entry becomes the most recently used for LRU eviction. */
  touch(id: string): boolean {
    const label = this.#labelById.get(id);
    if (label === undefined) return false;
    const meta = this.#byLabel.get(label)!;
    this.#byLabel.delete(label);
    this.#byLabel.set(label, meta);
    return true;
  }

  invalidate(id: string | null, removed: RemovedEntry[]): void {
    if (id !== null) {
      const label = this.#labelById.get(id);
      if (label !== undefined) this.#remove(label, this.#byLabel.get(label)!, 'invalidated', removed);
      return;
    }
    for (const [label, meta] of [...this.#byLabel]) this.#remove(label, meta, 'invalidated', removed);
  }

  /** Drops entries the store no longer has and returns store ids the index lacks. */
  reconcile(storeIds: readonly string[], nowMs: number, removed: RemovedEntry[]): string[] {
    this.sweep(nowMs, removed);
    const inStore = new Set(storeIds);
    for (const [label, meta] of [...this.#byLabel]) {
      if (!inStore.has(meta.id)) this.#remove(label, meta, 'invalidated', removed);
    }
    return storeIds.filter((id) => !this.#labelById.has(id));
  }

  stats(): ShardStats {
    return {
      shardKey: this.shardKey,
      entries: this.#byLabel.size,
      bytes: this.#bytes,
      slots: this.#index.getCurrentCount(),
      capacity: this.#index.getMaxElements(),
      evictions: { ...this.#evictions },
    };
  }

  /** Writes `<stem>.hnsw` then `<stem>.meta.json` (checksum of the former), each via rename. */
  writeSnapshot(dir: string): void {
    const stem = join(dir, shardFileStem(this.shardKey));
    const hnswPath = `${stem}.hnsw`;
    this.#index.writeIndexSync(`${hnswPath}.tmp`);
    const rows: MetaRow[] = [];
    for (const [label, m] of this.#byLabel) {
      rows.push([label, m.id, m.tenant, m.contextFingerprint, m.createdAtMs, m.expiresAtMs, m.bytes]);
    }
    const meta: SnapshotMeta = {
      version: SNAPSHOT_VERSION,
      shardKey: this.shardKey,
      dims: this.#params.dims,
      space: this.#params.space,
      nextLabel: this.#nextLabel,
      hnswBytes: statSync(`${hnswPath}.tmp`).size,
      hnswSha1: sha1OfFile(`${hnswPath}.tmp`),
      rows,
    };
    writeFileSync(`${stem}.meta.json.tmp`, JSON.stringify(meta));
    renameSync(`${hnswPath}.tmp`, hnswPath);
    renameSync(`${stem}.meta.json.tmp`, `${stem}.meta.json`);
  }

  /** Replaces this shard's state with its snapshot; on any mismatch the shard stays empty. */
  loadSnapshot(dir: string): SnapshotLoad {
    const stem = join(dir, shardFileStem(this.shardKey));
    const hnswPath = `${stem}.hnsw`;
    const metaPath = `${stem}.meta.json`;
    if (!existsSync(metaPath) || !existsSync(hnswPath)) return { kind: 'missing' };
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as SnapshotMeta;
      if (meta.version !== SNAPSHOT_VERSION || meta.shardKey !== this.shardKey)
        return { kind: 'corrupt', reason: 'version or shard key mismatch' };
      if (meta.dims !== this.#params.dims || meta.space !== this.#params.space)
        return { kind: 'corrupt', reason: 'dims or space changed' };
      if (statSync(hnswPath).size !== meta.hnswBytes) return { kind: 'corrupt', reason: 'index file size mismatch' };
      if (sha1OfFile(hnswPath) !== meta.hnswSha1) return { kind: 'corrupt', reason: 'index checksum mismatch' };
      const index = new hnswlib.HierarchicalNSW(this.#params.space, this.#params.dims);
      index.readIndexSync(hnswPath, true);
      index.setEf(this.#params.ef);
      const byLabel = new Map<number, EntryMeta>();
      const labelById = new Map<string, number>();
      const expiry = new MinHeap();
      let bytes = 0;
      for (const [label, id, tenant, contextFingerprint, createdAtMs, expiresAtMs, b] of meta.rows) {
        byLabel.set(label, { id, tenant, contextFingerprint, createdAtMs, expiresAtMs, bytes: b });
        labelById.set(id, label);
        expiry.push(expiresAtMs, label);
        bytes += b;
      }
      this.#index = index;
      this.#byLabel = byLabel;
      this.#labelById = labelById;
      this.#expiry = expiry;
      this.#nextLabel = meta.nextLabel;
      this.#deletedSlots = index.getCurrentCount() - byLabel.size;
      this.#bytes = bytes;
      return { kind: 'loaded', entries: byLabel.size };
    } catch (e) {
      return { kind: 'corrupt', reason: e instanceof Error ? e.message : String(e) };
    }
  }
}
