/**
 * The exact tier: one lru-cache per category (its quota as `max` entries and `maxSize` bytes),
 * keyed by `exactKey`. It stores what the hit decision needs and the answer; it does not decide
 * hits (the policy does) and never outlives the entry's id in the index tiers.
 */
import { LRUCache } from 'lru-cache';
import type { StoredAnswer } from './semantic-cache-types.js';

export interface ExactEntry {
  readonly id: string;
  readonly category: string;
  readonly scopeKey: string;
  readonly tenant: string;
  readonly fingerprint: string;
  readonly normalized: string;
  readonly text: string;
  readonly storedAtMs: number;
  readonly ttlSeconds: number;
  /** Longest the entry may be served (TTL at full adaptation). */
  readonly maxLifetimeMs: number;
  readonly bytes: number;
  readonly answer: StoredAnswer;
}

export interface Quota {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export class ExactTier {
  #byCategory = new Map<string, { cache: LRUCache<string, ExactEntry>; quota: Quota }>();
  /** Entry id -> exact key, so invalidation and index evictions reach this tier. */
  #keyOfId = new Map<string, { category: string; key: string }>();
  #onEvict: (entry: ExactEntry) => void;

  constructor(onEvict: (entry: ExactEntry) => void) {
    this.#onEvict = onEvict;
  }

  #cacheFor(category: string, quota: Quota): LRUCache<string, ExactEntry> {
    const held = this.#byCategory.get(category);
    if (held !== undefined && held.quota.maxEntries === quota.maxEntries && held.quota.maxBytes === quota.maxBytes) {
      return held.cache;
    }
    const cache = new LRUCache<string, ExactEntry>({
      max: quota.maxEntries,
      maxSize: quota.maxBytes,
      sizeCalculation: (e) => Math.max(1, e.bytes),
      dispose: (entry, key, reason) => {
        const known = this.#keyOfId.get(entry.id);
        if (known !== undefined && known.key === key) this.#keyOfId.delete(entry.id);
        if (reason === 'evict') this.#onEvict(entry);
      },
    });
    // a live quota change: carry the entries over, oldest first, so the new bounds apply at once
    if (held !== undefined) {
      for (const [key, entry] of [...held.cache.entries()].reverse()) cache.set(key, entry);
    }
    this.#byCategory.set(category, { cache, quota });
    return cache;
  }

  get(category: string, key: string): ExactEntry | undefined {
    return this.#byCategory.get(category)?.cache.get(key);
  }

  set(key: string, entry: ExactEntry, quota: Quota): void {
    if (entry.bytes > quota.maxBytes) return;
    const cache = this.#cacheFor(entry.category, quota);
    cache.set(key, entry);
    if (cache.has(key)) this.#keyOfId.set(entry.id, { category: entry.category, key });
  }

  /** Applies a changed quota now (evicting beyond it). */
  resize(category: string, quota: Quota): void {
    if (this.#byCategory.has(category)) this.#cacheFor(category, quota);
  }

  deleteId(id: string): boolean {
    const known = this.#keyOfId.get(id);
    if (known === undefined) return false;
    this.#keyOfId.delete(id);
    return this.#byCategory.get(known.category)?.cache.delete(known.key) ?? false;
  }

  /** Removes every entry matching the selector; returns how many. */
  deleteWhere(match: (entry: ExactEntry) => boolean): number {
    let n = 0;
    for (const { cache } of this.#byCategory.values()) {
      for (const [key, entry] of [...cache.entries()]) {
        if (match(entry)) {
          cache.delete(key);
          n += 1;
        }
      }
    }
    return n;
  }

  /** Drops entries past their longest lifetime. */
  prune(nowMs: number): number {
    return this.deleteWhere((e) => nowMs - e.storedAtMs >= e.maxLifetimeMs);
  }

  size(category: string): number {
    return this.#byCategory.get(category)?.cache.size ?? 0;
  }

  bytes(category: string): number {
    return this.#byCategory.get(category)?.cache.calculatedSize ?? 0;
  }
}
