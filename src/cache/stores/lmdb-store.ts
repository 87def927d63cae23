/**
 * The embedded on-disk DocumentStore (lmdb, memory-mapped B+tree). `put` resolves only after the
 * transaction is committed and, by default, flushed to disk, so an acknowledged entry survives a
 * crash. Vectors are stored as raw little-endian float32 bytes.
 */
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { documentKeyOf, prefixOf } from './document-store.js';
import type { CachedDocument, DocumentStore, ScanOptions } from './document-store.js';

export interface LmdbStoreOptions {
  /** Directory of the lmdb environment (created if missing). */
  readonly path: string;
  /** 'flushed' (default) waits for fsync; 'committed' for the commit only (survives a process crash, not power loss). */
  readonly durability?: 'flushed' | 'committed';
  readonly mapSizeBytes?: number;
}

type StoredDocument = Omit<CachedDocument, 'vector'> & { readonly vector: Uint8Array };

function encode(doc: CachedDocument): StoredDocument {
  const v = doc.vector;
  return { ...doc, vector: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
}

function decode(stored: StoredDocument): CachedDocument {
  const bytes = stored.vector;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { ...stored, vector: new Float32Array(copy.buffer) };
}

const rangeOf = (prefix: string): { start?: string; end?: string } =>
  prefix === '' ? {} : { start: prefix, end: `${prefix}\uffff` };

export class LmdbDocumentStore implements DocumentStore {
  readonly name = 'lmdb';
  #root: RootDatabase<StoredDocument, string>;
  #db: Database<StoredDocument, string>;
  #flushed: boolean;

  constructor(options: LmdbStoreOptions) {
    this.#root = open<StoredDocument, string>({
      path: options.path,
      ...(options.mapSizeBytes === undefined ? {} : { mapSize: options.mapSizeBytes }),
    });
    this.#db = this.#root;
    this.#flushed = (options.durability ?? 'flushed') === 'flushed';
  }

  async put(doc: CachedDocument): Promise<void> {
    await this.#db.put(documentKeyOf(doc.category, doc.scopeKey, doc.id), encode(doc));
    if (this.#flushed) await this.#db.flushed;
  }

  get(category: string, scopeKey: string, id: string): Promise<CachedDocument | undefined> {
    const stored = this.#db.get(documentKeyOf(category, scopeKey, id));
    return Promise.resolve(stored === undefined ? undefined : decode(stored));
  }

  async delete(category: string, scopeKey: string, id: string): Promise<boolean> {
    const key = documentKeyOf(category, scopeKey, id);
    // lmdb's remove() resolves true even for absent keys, so existence is checked first.
    if (!this.#db.doesExist(key)) return false;
    await this.#db.remove(key);
    if (this.#flushed) await this.#db.flushed;
    return true;
  }

  async *scan(options?: ScanOptions): AsyncIterable<CachedDocument> {
    for (const { value } of this.#db.getRange(rangeOf(prefixOf(options)))) yield decode(value);
    await Promise.resolve();
  }

  async *keys(options?: ScanOptions): AsyncIterable<string> {
    for (const key of this.#db.getKeys(rangeOf(prefixOf(options)))) yield key;
    await Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}

export const createLmdbDocumentStore = (options: LmdbStoreOptions): DocumentStore => new LmdbDocumentStore(options);
