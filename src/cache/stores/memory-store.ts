/**
 * In-memory DocumentStore for tests and single-process demos: no durability across restarts.
 * Documents are copied on the way in and out so callers cannot alias stored vectors.
 */
import { documentKeyOf, prefixOf } from './document-store.js';
import type { CachedDocument, DocumentStore, ScanOptions } from './document-store.js';

const copyOf = (doc: CachedDocument): CachedDocument => ({ ...doc, vector: doc.vector.slice() });

export class MemoryDocumentStore implements DocumentStore {
  readonly name = 'memory';
  #docs = new Map<string, CachedDocument>();
  #closed = false;

  #open(): void {
    if (this.#closed) throw new Error('document store is closed');
  }

  put(doc: CachedDocument): Promise<void> {
    this.#open();
    this.#docs.set(documentKeyOf(doc.category, doc.scopeKey, doc.id), copyOf(doc));
    return Promise.resolve();
  }

  get(category: string, scopeKey: string, id: string): Promise<CachedDocument | undefined> {
    this.#open();
    const doc = this.#docs.get(documentKeyOf(category, scopeKey, id));
    return Promise.resolve(doc === undefined ? undefined : copyOf(doc));
  }

  delete(category: string, scopeKey: string, id: string): Promise<boolean> {
    this.#open();
    return Promise.resolve(this.#docs.delete(documentKeyOf(category, scopeKey, id)));
  }

  #sortedKeys(options: ScanOptions | undefined): string[] {
    const prefix = prefixOf(options);
    return [...this.#docs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async *scan(options?: ScanOptions): AsyncIterable<CachedDocument> {
    this.#open();
    for (const key of this.#sortedKeys(options)) {
      const doc = this.#docs.get(key);
      if (doc !== undefined) yield copyOf(doc);
    }
    await Promise.resolve();
  }

  async *keys(options?: ScanOptions): AsyncIterable<string> {
    this.#open();
    for (const key of this.#sortedKeys(options)) yield key;
    await Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

export const createMemoryDocumentStore = (): DocumentStore => new MemoryDocumentStore();
