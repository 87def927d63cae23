/**
 * The semantic cache service the gateway calls: `lookup` (classify, then the exact, lexical and
 * semantic tiers with verification) and `store` (admissible finished answers into every enabled
 * tier). Decisions come from the pure policy (src/core/cache); this file owns the tiers, the load
 * smoother, one coalesced timer (load samples and sweeps) and live policy changes.
 */
import { randomUUID } from 'node:crypto';
import {
  LoadSmoother,
  contextFingerprint,
  createCachePolicy,
  exactKey,
  lastUserMessage,
  normalizePrompt,
  pressureFrom,
  validateCachePolicyConfig,
  type CachePolicy,
  type CachePolicyConfig,
  type CacheQuery,
  type CategoryConfig,
} from '../core/cache/index.js';
import { computeCentroids, centroidScores, type Centroids } from './centroids.js';
import { ExactTier } from './exact-tier.js';
import type { Embedder } from './embedders/embedder.js';
import { entryBytes } from './semantic-index.js';
import type {
  CacheLookupRequest,
  CacheStats,
  CacheTicket,
  CacheTier,
  CategoryLiveStats,
  FinishedAnswer,
  InvalidateSelector,
  LookupOutcome,
  SemanticCacheParts,
  StoreOutcome,
  StoredAnswer,
} from './semantic-cache-types.js';
import { Memo, candidateOf, verifyTier, type TierSpec, type TierVerdict } from './tier-verify.js';
import type { RemovedEntry } from './worker-protocol.js';
import { MEMORY_OVERRIDE_STORE, type CategoryOverride, type OverrideMap } from './policy-overrides.js';

export * from './semantic-cache-types.js';

export class SemanticCache {
  #parts: SemanticCacheParts;
  #policy: CachePolicy;
  #smoother: LoadSmoother;
  #exact: ExactTier | null;
  #tiers: TierSpec[];
  #centroids: Centroids | null = null;
  #classMemo = new Memo<string>();
  /** Embeddings by (embedder, text), in flight or done: concurrent asks for one text embed it once. */
  #vecMemo = new Memo<Promise<Float32Array>>();
  #counters = new Map<string, { lookups: number; hits: Record<CacheTier, number> }>();
  #timer: NodeJS.Timeout | null = null;
  #lastSweepMs = 0;
  #sweeping = false;
  #closed = false;
  #pending = new Set<Promise<unknown>>();
  /** Categories set through `updateCategory`, as persisted; the config file's policy is `#parts.policy`. */
  #overrides: Record<string, CategoryOverride> = {};
  #overrideProblems: string[] = [];

  constructor(parts: SemanticCacheParts) {
    this.#parts = parts;
    this.#policy = createCachePolicy(parts.policy);
    this.#smoother = new LoadSmoother(parts.policy.load);
    this.#exact = parts.exact ? new ExactTier(() => undefined) : null;
    this.#tiers = [];
    if (parts.lexicalIndex !== null) {
      this.#tiers.push({
        tier: 'lexical',
        index: parts.lexicalIndex,
        embedder: parts.hashEmbedder,
        verifier: parts.verifiers.lexical,
      });
    }
    if (parts.semanticIndex !== null && parts.semanticEmbedder !== null) {
      this.#tiers.push({
        tier: 'semantic',
        index: parts.semanticIndex,
        embedder: parts.semanticEmbedder,
        verifier: parts.verifiers.semantic,
      });
    }
  }

  get policy(): CachePolicy {
    return this.#policy;
  }

  /**
   * Re-applies the persisted live overrides over the configured policy (an override that no longer
   * validates is skipped and reported by `overrides()`), then computes category centroids from the
   * exemplars on the classifying embedder.
   */
  async init(): Promise<void> {
    const { overrides, problems } = await this.#overrideStore().load();
    this.#overrideProblems = [...problems];
    for (const [name, override] of Object.entries(overrides)) {
      const built = this.#build(name, override.config);
      if (typeof built === 'string') this.#overrideProblems.push(`category ${name}: ${built}; override ignored`);
      else {
        this.#policy = built;
        this.#overrides[name] = override;
        this.#exact?.resize(name, override.config.quota);
      }
    }
    const embedder = this.#classifier();
    if (embedder !== null) this.#centroids = await computeCentroids(embedder, this.#policy.config);
  }

  #overrideStore() {
    return this.#parts.overrides ?? MEMORY_OVERRIDE_STORE;
  }

  /** Live overrides (name -> when set), whether they survive a restart, and what could not be re-applied. */
  overrides(): { durable: boolean; categories: Record<string, string>; problems: readonly string[] } {
    const categories: Record<string, string> = {};
    for (const [name, o] of Object.entries(this.#overrides)) categories[name] = o.setAt;
    return { durable: this.#overrideStore().durable, categories, problems: this.#overrideProblems };
  }

  #classifier(): Embedder | null {
    return this.#parts.semanticEmbedder ?? (this.#parts.lexicalIndex !== null ? this.#parts.hashEmbedder : null);
  }

  #embed(embedder: Embedder, text: string): Promise<Float32Array> {
    const key = `${embedder.name}\u0000${text}`;
    const held = this.#vecMemo.get(key);
    if (held !== undefined) return held;
    const pending = embedder.embed([text]).then(([v]) => v!);
    this.#vecMemo.set(key, pending);
    // a failed embedding is not remembered: the next ask tries again
    pending.catch(() => {
      if (this.#vecMemo.get(key) === pending) this.#vecMemo.delete(key);
    });
    return pending;
  }

  async #category(request: CacheLookupRequest): Promise<{ ok: true; category: string } | { ok: false; name: string }> {
    const first = this.#policy.classify(request);
    if (!first.ok) return { ok: false, name: first.name };
    if (first.source !== 'default' || this.#centroids === null) return { ok: true, category: first.category };
    const text = lastUserMessage(request.messages) ?? '';
    const memoKey = `${request.model}\u0000${text}`;
    const held = this.#classMemo.get(memoKey);
    if (held !== undefined) return { ok: true, category: held };
    const embedder = this.#classifier()!;
    const scores = centroidScores(this.#centroids, await this.#embed(embedder, text));
    const second = this.#policy.classify(request, scores);
    const category = second.ok ? second.category : first.category;
    this.#classMemo.set(memoKey, category);
    return { ok: true, category };
  }

  #ticket(request: CacheLookupRequest, category: string): CacheTicket | null {
    const text = lastUserMessage(request.messages);
    const scopeKey = this.#policy.scopeKeyFor(category, request.tenant);
    if (text === null || scopeKey === undefined) return null;
    const normalized = normalizePrompt(text);
    const fingerprint = contextFingerprint(request.messages, request.model);
    return {
      request,
      category,
      scopeKey,
      fingerprint,
      text,
      normalized,
      exactKey: exactKey(category, scopeKey, fingerprint, normalized, request.sampling),
    };
  }

  #count(category: string): { lookups: number; hits: Record<CacheTier, number> } {
    let c = this.#counters.get(category);
    if (c === undefined)
      this.#counters.set(category, (c = { lookups: 0, hits: { exact: 0, lexical: 0, semantic: 0 } }));
    return c;
  }

  /** Looks a request up; never throws for expected outcomes (bypass, miss, unknown category). */
  async lookup(request: CacheLookupRequest): Promise<LookupOutcome> {
    const startedMs = performance.now();
    const observe = (category: string, tier: CacheTier | 'none', result: 'hit' | 'miss' | 'bypass'): void =>
      this.#parts.observer?.lookup(category, tier, result, (performance.now() - startedMs) / 1000);
    if (this.#closed) return { kind: 'bypass', ticket: null, category: null, reason: 'disabled' };
    const cls = await this.#category(request);
    if (!cls.ok) return { kind: 'unknown-category', name: cls.name };
    const category = cls.category;
    const ticket = this.#ticket(request, category);
    const may = this.#policy.mayLookup(request, category);
    if (!may.admit || ticket === null) {
      observe(category, 'none', 'bypass');
      // `no-cache` (opted-out with a cache-control header) still stores the fresh answer
      const storable = ticket !== null && this.#policy.isAdmissible(request, okResponse, category).admit;
      return {
        kind: 'bypass',
        ticket: storable ? ticket : null,
        category,
        reason: may.admit ? 'incomplete' : may.reason,
      };
    }
    this.#count(category).lookups += 1;
    const nowMs = this.#parts.clock.nowMs();
    const query: CacheQuery = {
      category,
      scopeKey: ticket.scopeKey,
      contextFingerprint: ticket.fingerprint,
      text: ticket.text,
      load: this.#smoother.level(),
    };
    // exact tier: the 64-bit key is a hash, so the stored normalized prompt must match too
    const exact = this.#exact?.get(category, ticket.exactKey);
    if (exact !== undefined && exact.normalized === ticket.normalized) {
      const d = this.#policy.decideHit(query, candidateOf(exact), 1, nowMs);
      if (d.hit) {
        // keep the entry recent in the index shards too, so their LRU does not evict a hot answer
        for (const spec of this.#tiers) {
          void spec.index.recordHit({ category, scopeKey: ticket.scopeKey, id: exact.id, nowMs }).catch(() => false);
        }
        return this.#hit(ticket, 'exact', exact.id, 1, 1, d.threshold, exact.answer, observe);
      }
    }
    let best: TierVerdict['best'] = null;
    let hashQuery: Float32Array | null = null;
    for (const spec of this.#tiers) {
      const vector = await this.#embed(spec.embedder, ticket.text);
      if (spec.tier === 'lexical') hashQuery = vector;
      hashQuery ??= await this.#embed(this.#parts.hashEmbedder, ticket.text);
      const verdict = await verifyTier(spec, ticket, query, vector, hashQuery, nowMs, {
        policy: this.#policy,
        searchK: this.#parts.searchK,
        hashOf: (text) => this.#embed(this.#parts.hashEmbedder, text),
      });
      if (verdict.best !== null && (best === null || verdict.best.score > best.score)) best = verdict.best;
      const w = verdict.winner;
      if (w !== null) {
        void spec.index.recordHit({ category, scopeKey: ticket.scopeKey, id: w.id, nowMs }).catch(() => false);
        return this.#hit(ticket, spec.tier, w.id, w.cosine, w.score, w.threshold, w.answer, observe);
      }
    }
    observe(category, 'none', 'miss');
    return { kind: 'miss', ticket, bestScore: best?.score ?? null, reason: best?.reason ?? 'no-candidate' };
  }

  #hit(
    ticket: CacheTicket,
    tier: CacheTier,
    entryId: string,
    similarity: number,
    score: number,
    threshold: number,
    answer: StoredAnswer,
    observe: (category: string, tier: CacheTier, result: 'hit') => void,
  ): LookupOutcome {
    this.#count(ticket.category).hits[tier] += 1;
    observe(ticket.category, tier, 'hit');
    return { kind: 'hit', ticket, tier, entryId, similarity, score, threshold, answer };
  }

  /** Stores a finished answer under the ticket lookup returned, if the policy admits it. */
  store(ticket: CacheTicket, finished: FinishedAnswer): Promise<StoreOutcome> {
    if (this.#closed) return Promise.resolve({ stored: false, reason: 'closed' });
    const p = this.#store(ticket, finished);
    this.#pending.add(p);
    const done = (): void => void this.#pending.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once every store started so far has finished (tests; orderly shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async #store(ticket: CacheTicket, finished: FinishedAnswer): Promise<StoreOutcome> {
    const category = ticket.category;
    const admission = this.#policy.isAdmissible(ticket.request, finished.response, category);
    if (!admission.admit) return { stored: false, reason: admission.reason };
    const cfg = this.#policy.category(category)!;
    const nowMs = this.#parts.clock.nowMs();
    const id = randomUUID();
    const answer: StoredAnswer = { ...finished.answer, query: ticket.text, ttlSeconds: cfg.ttlSeconds };
    const maxLifetimeMs = this.#policy.maxLifetimeMs(category);
    const tiers: CacheTier[] = [];
    // the exact tier first (synchronous): a repeat arriving while the index inserts run hits it
    if (this.#exact !== null) {
      const bytes = entryBytes(answer, 0);
      this.#exact.set(
        ticket.exactKey,
        {
          id,
          category,
          scopeKey: ticket.scopeKey,
          tenant: ticket.request.tenant,
          fingerprint: ticket.fingerprint,
          normalized: ticket.normalized,
          text: ticket.text,
          storedAtMs: nowMs,
          ttlSeconds: cfg.ttlSeconds,
          maxLifetimeMs,
          bytes,
          answer,
        },
        cfg.quota,
      );
      if (this.#exact.get(category, ticket.exactKey)?.id === id) tiers.push('exact');
    }
    for (const spec of this.#tiers) {
      const vector = await this.#embed(spec.embedder, ticket.text);
      const res = await spec.index.insert({
        id,
        category,
        scopeKey: ticket.scopeKey,
        vector,
        meta: { tenant: ticket.request.tenant, contextFingerprint: ticket.fingerprint },
        answer,
        ttlMs: maxLifetimeMs,
        nowMs,
        quota: cfg.quota,
      });
      if (res.kind === 'stored') {
        tiers.push(spec.tier);
        this.#removed(res.removed, id);
      }
    }
    if (tiers.length === 0) return { stored: false, reason: 'quota' };
    this.#parts.observer?.stored(category);
    return { stored: true, id, tiers };
  }

  #removed(removed: readonly RemovedEntry[], keep: string): void {
    const counts = new Map<string, number>();
    for (const r of removed) {
      if (r.id === keep && r.reason === 'replaced') continue;
      this.#exact?.deleteId(r.id);
      const category = r.shardKey.split('\u001f')[0] ?? '';
      const key = `${category}\u0000${r.reason}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const [category, reason] = key.split('\u0000') as [string, RemovedEntry['reason']];
      this.#parts.observer?.evicted(category, reason, n);
    }
  }

  /** One sample of downstream pressure in [0, 1] (the timer feeds the load probe here). */
  observeLoad(pressure: number, nowMs = this.#parts.clock.nowMs()): number {
    return this.#smoother.observe(pressure, nowMs);
  }

  loadLevel(): number {
    return this.#smoother.level();
  }

  /** Timer body: a load sample, and a sweep when one is due. Public so tests drive it with a manual clock. */
  async tick(): Promise<void> {
    const nowMs = this.#parts.clock.nowMs();
    const signal = this.#parts.loadProbe?.() ?? null;
    if (signal !== null) this.#smoother.observe(pressureFrom(signal), nowMs);
    if (nowMs - this.#lastSweepMs >= this.#parts.sweepIntervalMs && !this.#sweeping) {
      this.#lastSweepMs = nowMs;
      this.#sweeping = true;
      try {
        await this.sweep();
      } finally {
        this.#sweeping = false;
      }
    }
  }

  /** Expires due entries in every tier. */
  async sweep(): Promise<number> {
    const nowMs = this.#parts.clock.nowMs();
    let n = this.#exact?.prune(nowMs) ?? 0;
    for (const spec of this.#tiers) n += await spec.index.sweep(nowMs);
    return n;
  }

  /** Starts the one coalesced timer (load samples every loadSampleIntervalMs; sweeps when due). */
  start(): void {
    if (this.#timer !== null) return;
    this.#lastSweepMs = this.#parts.clock.nowMs();
    this.#timer = setInterval(() => void this.tick().catch(() => undefined), this.#parts.loadSampleIntervalMs);
    this.#timer.unref();
  }

  /** Replaces one category's policy live; returns the problems (empty = applied). */
  /**
   * Replaces (or adds) a category's policy live and persists it as an override; returns validation
   * problems (nothing changes then). Rejects when the override cannot be persisted (nothing changes).
   */
  async updateCategory(name: string, config: CategoryConfig): Promise<string[]> {
    const built = this.#build(name, config);
    if (typeof built === 'string') return [built];
    const overrides: OverrideMap = { ...this.#overrides, [name]: { config, setAt: new Date().toISOString() } };
    await this.#overrideStore().save(overrides);
    this.#overrides = { ...overrides };
    await this.#apply(name, built);
    return [];
  }

  /**
   * Drops a category's live override: a configured category goes back to its config-file policy
   * (`restored`); one that exists only through the override stays live until the next restart.
   */
  async resetCategory(name: string): Promise<'restored' | 'until-restart' | 'not-overridden'> {
    if (this.#overrides[name] === undefined) return 'not-overridden';
    const { [name]: _dropped, ...rest } = this.#overrides;
    await this.#overrideStore().save(rest);
    this.#overrides = rest;
    const configured = this.#parts.policy.categories[name];
    if (configured === undefined) return 'until-restart';
    const built = this.#build(name, configured);
    if (typeof built !== 'string') await this.#apply(name, built);
    return 'restored';
  }

  /** The policy with `name` set to `config`, or why it does not validate. */
  #build(name: string, config: CategoryConfig): CachePolicy | string {
    const next: CachePolicyConfig = {
      ...this.#policy.config,
      categories: { ...this.#policy.config.categories, [name]: config },
    };
    const problems = validateCachePolicyConfig(next);
    if (problems.length > 0) return problems.join('; ');
    try {
      return createCachePolicy(next);
    } catch (e) {
      return (e as Error).message;
    }
  }

  async #apply(name: string, policy: CachePolicy): Promise<void> {
    const previous = this.#policy.category(name);
    const config = policy.category(name);
    this.#policy = policy;
    this.#classMemo.clear();
    if (config !== undefined) this.#exact?.resize(name, config.quota);
    if (previous === undefined || previous.exemplars.join('\n') !== config?.exemplars.join('\n')) {
      const embedder = this.#classifier();
      if (embedder !== null) this.#centroids = await computeCentroids(embedder, policy.config);
    }
  }

  /** Removes entries by category, tenant (its tenant-scoped entries; global ones stay) or id. */
  async invalidate(selector: InvalidateSelector): Promise<number> {
    const scopeKey = selector.tenant === undefined ? undefined : `tenant:${selector.tenant}`;
    const exactRemoved =
      this.#exact?.deleteWhere(
        (e) =>
          (selector.category === undefined || e.category === selector.category) &&
          (scopeKey === undefined || e.scopeKey === scopeKey) &&
          (selector.id === undefined || e.id === selector.id),
      ) ?? 0;
    let removed = 0;
    for (const spec of this.#tiers) {
      removed = Math.max(
        removed,
        await spec.index.invalidate({
          ...(selector.category === undefined ? {} : { category: selector.category }),
          ...(scopeKey === undefined ? {} : { scopeKey }),
          ...(selector.id === undefined ? {} : { id: selector.id }),
        }),
      );
    }
    return Math.max(removed, exactRemoved);
  }

  async stats(): Promise<CacheStats> {
    const nowMs = this.#parts.clock.nowMs();
    const primary = this.#tiers.at(-1);
    const indexStats = primary === undefined ? {} : await primary.index.stats(nowMs);
    const level = this.#smoother.level();
    const categories: Record<string, CategoryLiveStats> = {};
    for (const name of this.#policy.categoryNames) {
      const s = indexStats[name];
      const eff = this.#policy.effectivePolicy(name, level)!;
      const c = this.#count(name);
      categories[name] = {
        entries: s?.entries ?? this.#exact?.size(name) ?? 0,
        bytes: s?.bytes ?? this.#exact?.bytes(name) ?? 0,
        exactEntries: this.#exact?.size(name) ?? 0,
        evictions: s?.evictions ?? {},
        lookups: c.lookups,
        hits: { ...c.hits },
        effective: { similarity: eff.similarity, ttlSeconds: eff.ttlSeconds, adaptation: eff.adaptation },
      };
    }
    return {
      load: { level, smoothedPressure: this.#smoother.smoothedPressure(), engaged: this.#smoother.isEngaged() },
      tiers: {
        exact: this.#exact !== null,
        lexical: this.#tiers.some((t) => t.tier === 'lexical'),
        semantic: this.#tiers.some((t) => t.tier === 'semantic'),
      },
      embedder: this.#parts.semanticEmbedder?.name ?? null,
      categories,
    };
  }

  /** Stops the timer, lets in-flight work settle, snapshots and closes the indexes and embedders. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.settled();
    this.#closed = true;
    for (const spec of this.#tiers) await spec.index.close();
    for (const e of new Set(this.#parts.ownedEmbedders ?? [])) await e.close();
  }
}

/** A response that passes every answer-side check: used to ask whether a request could be stored. */
const okResponse = { status: 200, finishReason: 'stop', error: false } as const;

export const createSemanticCache = (parts: SemanticCacheParts): SemanticCache => new SemanticCache(parts);
