/**
 * The document store contract: the cached answers themselves, separate from the in-memory HNSW
 * index (the paper's hybrid design). A store keeps each document's vector so a lost or corrupt
 * index snapshot can be rebuilt. Implementations must not resolve `put` before the write is durable.
 */

export interface CachedUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** The answer payload the gateway replays on a hit. */
export interface CachedAnswer {
  readonly responseText: string;
  readonly tokenIds: readonly number[] | null;
  readonly finishReason: string;
  readonly usage: CachedUsage;
  readonly model: string;
}

export interface CachedDocument {
  readonly id: string;
  readonly category: string;
  /** Tenant id for tenant-scoped categories, '' for global ones. */
  readonly scopeKey: string;
  readonly tenant: string;
  readonly contextFingerprint: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** Accounted size of the entry (answer plus vector), used by byte quotas. */
  readonly bytes: number;
  readonly answer: CachedAnswer;
  /** The embedding, kept for index rebuilds. */
  readonly vector: Float32Array;
}

/** Separator between key parts: cannot appear in category names or tenant ids from config. */
export const KEY_SEPARATOR = '\u001f';

export const shardKeyOf = (category: string, scopeKey: string): string => `${category}${KEY_SEPARATOR}${scopeKey}`;
export const documentKeyOf = (category: string, scopeKey: string, id: string): string =>
  `${shardKeyOf(category, scopeKey)}${KEY_SEPARATOR}${id}`;

export function parseDocumentKey(key: string): { category: string; scopeKey: string; id: string } | null {
  const first = key.indexOf(KEY_SEPARATOR);
  const second = first < 0 ? -1 : key.indexOf(KEY_SEPARATOR, first + 1);
  if (second < 0) return null;
  return { category: key.slice(0, first), scopeKey: key.slice(first + 1, second), id: key.slice(second + 1) };
}

export interface ScanOptions {
  /** Only documents whose key starts with this prefix (use shardKeyOf / documentKeyOf). */
  readonly prefix?: string;
  readonly category?: string;
}

export interface DocumentStore {
  readonly name: string;
  /** Resolves once the document is durable. Overwrites a document with the same key. */
  put(doc: CachedDocument): Promise<void>;
  get(category: string, scopeKey: string, id: string): Promise<CachedDocument | undefined>;
  /** Resolves true when a document was removed. */
  delete(category: string, scopeKey: string, id: string): Promise<boolean>;
  /** Documents in key order. */
  scan(options?: ScanOptions): AsyncIterable<CachedDocument>;
  /** Keys (see documentKeyOf) in key order, without reading document bodies. */
  keys(options?: ScanOptions): AsyncIterable<string>;
  close(): Promise<void>;
}

export function prefixOf(options: ScanOptions | undefined): string {
  if (options?.prefix !== undefined) return options.prefix;
  if (options?.category !== undefined) return `${options.category}${KEY_SEPARATOR}`;
  return '';
}
