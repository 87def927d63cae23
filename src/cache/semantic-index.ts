/**
 * The semantic index facade the cache policy is wired to: documents go to the DocumentStore
 * (durable before an insert is acknowledged), vectors to the owning HNSW shard worker. It takes
 * policy values (ttlMs, quota, scope key) as plain parameters and decides nothing about hits.
 */
import { FairwayError } from '../errors.js';
import { ShardPool } from './shard-pool.js';
import { parseDocumentKey, shardKeyOf, KEY_SEPARATOR } from './stores/document-store.js';
import { DEFAULT_INDEX_PARAMS, entryBytes } from './semantic-index-types.js';
import type {
  CategoryStats,
  InsertRequest,
  InsertResult,
  InvalidateRequest,
  SearchRequest,
  SemanticIndex,
  SemanticIndexOptions,
  ShardOpenReport,
} from './semantic-index-types.js';
import type { CachedDocument, DocumentStore } from './stores/document-store.js';
import type { Candidate, RemovalReason, RemovedEntry, ShardIndexParams, ShardQuota } from './worker-protocol.js';

export * from './semantic-index-types.js';

const REBUILD_BATCH = 256;

class SemanticIndexImpl implements SemanticIndex {
  openReport: ShardOpenReport[] = [];
  #store: DocumentStore;
  #pool: ShardPool;
  #params: ShardIndexParams;
  #snapshotDir: string | null;
  #closeStore: boolean;
  #closing = false;
  #inflight = new Set<Promise<unknown>>();
  /** Shards being reloaded after their worker died; requests for them wait. */
  #recovering = new Map<string, Promise<void>>();
  /** Latest clock reading seen, used to expire entries while recovering a shard. */
  #lastNowMs = 0;

  constructor(options: SemanticIndexOptions) {
    this.#store = options.store;
    this.#params = { ...DEFAULT_INDEX_PARAMS, ...options.index };
    this.#snapshotDir = options.snapshotDir;
    this.#closeStore = options.closeStore ?? true;
    this.#pool = new ShardPool({
      params: this.#params,
      maxWorkers: options.maxWorkers ?? 2,
      maxPendingPerWorker: options.maxPendingPerWorker ?? 1024,
      onShardsLost: (shardKeys) => this.#recover(shardKeys),
    });
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const done = (): void => void this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  #intake(): void {
    if (this.#closing) throw new FairwayError('FW_ERR_SHUTTING_DOWN');
  }

  async #deleteRemoved(removed: readonly RemovedEntry[]): Promise<void> {
    // Issued together so the store can commit them in one transaction.
    const deletes: Promise<boolean>[] = [];
    for (const r of removed) {
      const parsed = parseDocumentKey(`${r.shardKey}${KEY_SEPARATOR}${r.id}`);
      if (parsed !== null) deletes.push(this.#store.delete(parsed.category, parsed.scopeKey, parsed.id));
    }
    await Promise.all(deletes);
  }

  #seen(nowMs: number): void {
    if (nowMs > this.#lastNowMs) this.#lastNowMs = nowMs;
  }

  /** Waits while `shardKey` is being reloaded after a worker crash. */
  async #ready(shardKey: string): Promise<void> {
    const pending = this.#recovering.get(shardKey);
    if (pending !== undefined) await pending;
  }

  #recover(shardKeys: readonly string[]): void {
    if (this.#closing) return;
    for (const shardKey of shardKeys) {
      const job = (async (): Promise<void> => {
        const storeIds: string[] = [];
        for await (const key of this.#store.keys({ prefix: `${shardKey}${KEY_SEPARATOR}` })) {
          const parsed = parseDocumentKey(key);
          if (parsed !== null) storeIds.push(parsed.id);
        }
        if (storeIds.length > 0) await this.#openShard(shardKey, storeIds, this.#lastNowMs);
      })()
        .catch(() => undefined)
        .finally(() => this.#recovering.delete(shardKey));
      this.#recovering.set(shardKey, job);
      void this.#track(job);
    }
  }

  /** Loads snapshots, reconciles them with the store (the source of truth) and re-adds what they lack. */
  async open(nowMs: number): Promise<void> {
    const idsByShard = new Map<string, string[]>();
    for await (const key of this.#store.keys()) {
      const parsed = parseDocumentKey(key);
      if (parsed === null) continue;
      const shardKey = shardKeyOf(parsed.category, parsed.scopeKey);
      let ids = idsByShard.get(shardKey);
      if (ids === undefined) idsByShard.set(shardKey, (ids = []));
      ids.push(parsed.id);
    }
    for (const [shardKey, storeIds] of idsByShard) await this.#openShard(shardKey, storeIds, nowMs);
  }

  /** Loads one shard's snapshot, reconciles it with the store ids and re-adds what it lacks. */
  async #openShard(shardKey: string, storeIds: readonly string[], nowMs: number): Promise<void> {
    const bigQuota: ShardQuota = { maxEntries: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };
    let snapshot: ShardOpenReport['snapshot'] = { kind: 'disabled' };
    if (this.#snapshotDir !== null) {
      const loaded = await this.#pool.request(shardKey, { type: 'load', shardKey, dir: this.#snapshotDir });
      if (loaded.type === 'loaded') snapshot = loaded.result;
    }
    const rec = await this.#pool.request(shardKey, { type: 'reconcile', shardKey, nowMs, storeIds });
    if (rec.type !== 'reconciled') return;
    let rebuilt = 0;
    let dropped = rec.removed.length;
    await this.#deleteRemoved(rec.removed);
    const [category, scopeKey] = shardKey.split(KEY_SEPARATOR) as [string, string];
    for (let i = 0; i < rec.missing.length; i += REBUILD_BATCH) {
      const items = [];
      for (const id of rec.missing.slice(i, i + REBUILD_BATCH)) {
        const doc = await this.#store.get(category, scopeKey, id);
        if (doc === undefined) continue;
        if (doc.expiresAtMs <= nowMs) {
          await this.#store.delete(category, scopeKey, id);
          dropped += 1;
          continue;
        }
        items.push({ vector: doc.vector, meta: metaOf(doc) });
      }
      if (items.length === 0) continue;
      const res = await this.#pool.request(shardKey, { type: 'insert', shardKey, nowMs, quota: bigQuota, items });
      if (res.type === 'inserted') rebuilt += res.inserted;
    }
    this.openReport.push({ shardKey, snapshot, rebuiltEntries: rebuilt, droppedEntries: dropped });
  }

  insert(req: InsertRequest): Promise<InsertResult> {
    this.#intake();
    return this.#track(this.#insert(req));
  }

  async #insert(req: InsertRequest): Promise<InsertResult> {
    if (req.ttlMs <= 0) return { kind: 'not-stored', reason: 'ttl-zero' };
    const bytes = entryBytes(req.answer, this.#params.dims);
    if (bytes > req.quota.maxBytes || req.quota.maxEntries < 1) return { kind: 'not-stored', reason: 'too-large' };
    const doc: CachedDocument = {
      id: req.id,
      category: req.category,
      scopeKey: req.scopeKey,
      tenant: req.meta.tenant,
      contextFingerprint: req.meta.contextFingerprint,
      createdAtMs: req.nowMs,
      expiresAtMs: req.nowMs + req.ttlMs,
      bytes,
      answer: req.answer,
      vector: req.vector.slice(),
    };
    this.#seen(req.nowMs);
    const shardKey = shardKeyOf(req.category, req.scopeKey);
    await this.#ready(shardKey);
    await this.#store.put(doc);
    let res;
    try {
      res = await this.#pool.request(shardKey, {
        type: 'insert',
        shardKey,
        nowMs: req.nowMs,
        quota: req.quota,
        items: [{ vector: req.vector.slice(), meta: metaOf(doc) }],
      });
    } catch (e) {
      // Not acknowledged: the document must not resurrect on the next restart.
      await this.#store.delete(req.category, req.scopeKey, req.id);
      throw e;
    }
    if (res.type !== 'inserted')
      throw new FairwayError('FW_ERR_CACHE_WORKER_FAILED', { detail: `unexpected ${res.type}` });
    await this.#deleteRemoved(res.removed.filter((r) => !(r.reason === 'replaced' && r.id === req.id)));
    if (res.rejected.length > 0) {
      await this.#store.delete(req.category, req.scopeKey, req.id);
      return { kind: 'not-stored', reason: 'rejected-by-index' };
    }
    return { kind: 'stored', bytes, removed: res.removed };
  }

  search(req: SearchRequest): Promise<Candidate[]> {
    this.#intake();
    return this.#track(this.#search(req));
  }

  async #search(req: SearchRequest): Promise<Candidate[]> {
    this.#seen(req.nowMs);
    const shardKey = shardKeyOf(req.category, req.scopeKey);
    await this.#ready(shardKey);
    const res = await this.#pool.requestIfOwned(shardKey, {
      type: 'search',
      shardKey,
      nowMs: req.nowMs,
      vector: req.vector.slice(),
      k: req.k,
      ...(req.ef === undefined ? {} : { ef: req.ef }),
    });
    if (res === null || res.type !== 'searched') return [];
    if (res.removed.length > 0) void this.#track(this.#deleteRemoved(res.removed));
    return [...res.candidates];
  }

  getDocument(category: string, scopeKey: string, id: string): Promise<CachedDocument | undefined> {
    return this.#store.get(category, scopeKey, id);
  }

  async recordHit(req: { category: string; scopeKey: string; id: string; nowMs: number }): Promise<boolean> {
    this.#intake();
    const shardKey = shardKeyOf(req.category, req.scopeKey);
    const res = await this.#track(
      this.#pool.requestIfOwned(shardKey, { type: 'touch', shardKey, nowMs: req.nowMs, id: req.id }),
    );
    return res !== null && res.type === 'touched' && res.found;
  }

  invalidate(req: InvalidateRequest): Promise<number> {
    this.#intake();
    return this.#track(this.#invalidate(req));
  }

  async #invalidate(req: InvalidateRequest): Promise<number> {
    const id = req.id ?? null;
    const matches = (shardKey: string): boolean => {
      const [category, scopeKey] = shardKey.split(KEY_SEPARATOR);
      return (
        (req.category === undefined || req.category === category) &&
        (req.scopeKey === undefined || req.scopeKey === scopeKey)
      );
    };
    const removed: RemovedEntry[] = [];
    for (const shardKey of this.#pool.shardKeys().filter(matches)) {
      const res = await this.#pool.request(shardKey, { type: 'invalidate', shardKey, nowMs: 0, id, all: id === null });
      if (res.type === 'invalidated') removed.push(...res.removed);
    }
    await this.#deleteRemoved(removed);
    // Documents the index did not hold (e.g. never loaded) go too.
    let extra = 0;
    const prefix =
      req.category === undefined
        ? ''
        : req.scopeKey === undefined
          ? `${req.category}${KEY_SEPARATOR}`
          : `${shardKeyOf(req.category, req.scopeKey)}${KEY_SEPARATOR}`;
    for await (const key of this.#store.keys({ prefix })) {
      const parsed = parseDocumentKey(key);
      if (
        parsed === null ||
        !matches(shardKeyOf(parsed.category, parsed.scopeKey)) ||
        (id !== null && parsed.id !== id)
      )
        continue;
      if (await this.#store.delete(parsed.category, parsed.scopeKey, parsed.id)) extra += 1;
    }
    return removed.length + extra;
  }

  async sweep(nowMs: number): Promise<number> {
    this.#intake();
    const responses = await this.#track(this.#pool.broadcast({ type: 'sweep', nowMs }));
    const removed = responses.flatMap((r) => (r.type === 'swept' ? r.removed : []));
    await this.#track(this.#deleteRemoved(removed));
    return removed.length;
  }

  async stats(nowMs: number): Promise<Record<string, CategoryStats>> {
    const responses = await this.#pool.broadcast({ type: 'stats', nowMs });
    const out: Record<string, CategoryStats> = {};
    for (const res of responses) {
      if (res.type !== 'stats') continue;
      for (const s of res.shards) {
        const category = s.shardKey.split(KEY_SEPARATOR)[0] ?? '';
        const prev = out[category];
        const evictions = { ...s.evictions };
        if (prev !== undefined) for (const [k, v] of Object.entries(prev.evictions)) evictions[k as RemovalReason] += v;
        out[category] = {
          entries: (prev?.entries ?? 0) + s.entries,
          bytes: (prev?.bytes ?? 0) + s.bytes,
          shards: (prev?.shards ?? 0) + 1,
          evictions,
        };
      }
    }
    return out;
  }

  async snapshot(): Promise<readonly string[]> {
    const dir = this.#snapshotDir;
    if (dir === null) return [];
    const responses = await this.#pool.broadcast({ type: 'snapshot', dir });
    return responses.flatMap((r) => (r.type === 'snapshotted' ? r.shardKeys : []));
  }

  async crashShardWorkerForTest(category: string, scopeKey: string): Promise<void> {
    await this.#pool.terminateOwnerForTest(shardKeyOf(category, scopeKey));
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.allSettled([...this.#inflight]);
    await this.snapshot();
    await this.#pool.close();
    if (this.#closeStore) await this.#store.close();
  }
}

function metaOf(doc: CachedDocument): Candidate['meta'] {
  return {
    id: doc.id,
    tenant: doc.tenant,
    contextFingerprint: doc.contextFingerprint,
    createdAtMs: doc.createdAtMs,
    expiresAtMs: doc.expiresAtMs,
    bytes: doc.bytes,
  };
}

/** Opens the index: loads snapshots, reconciles with the store, rebuilds what is missing. */
export async function createSemanticIndex(options: SemanticIndexOptions): Promise<SemanticIndex> {
  const index = new SemanticIndexImpl(options);
  await index.open(options.nowMs);
  return index;
}
