/**
 * Shared conformance suite for DocumentStore implementations (memory, lmdb, later redis): every
 * store must round-trip documents exactly, overwrite by key, delete, and scan by prefix in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentKeyOf, shardKeyOf } from '../../src/cache/stores/document-store.js';
import type { CachedDocument, DocumentStore } from '../../src/cache/stores/document-store.js';

export interface StoreHarness {
  readonly store: DocumentStore;
  /** Closes (if still open) and removes whatever the store left behind. */
  cleanup(): Promise<void>;
}

export function makeDocument(overrides: Partial<CachedDocument> = {}): CachedDocument {
  return {
    id: 'doc-1',
    category: 'code',
    scopeKey: 'tenant-a',
    tenant: 'tenant-a',
    contextFingerprint: 'fp-1',
    createdAtMs: 1_000,
    expiresAtMs: 61_000,
    bytes: 2_400,
    answer: {
      responseText: 'Use Array.prototype.map — naïve ✓',
      tokenIds: [1, 2, 3, 65_535],
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 4, totalTokens: 16 },
      model: 'llama',
    },
    vector: Float32Array.from([0.1, -0.2, 0.30000001192092896, 1e-8, -0, 0.5]),
    ...overrides,
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function documentStoreSuite(name: string, open: () => Promise<StoreHarness>): void {
  describe(`DocumentStore conformance: ${name}`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('returns exactly what was put, including every vector bit and the answer', async () => {
      const doc = makeDocument();
      await h.store.put(doc);
      const got = await h.store.get('code', 'tenant-a', 'doc-1');
      expect(got).toBeDefined();
      expect(got!.vector).toBeInstanceOf(Float32Array);
      expect(Array.from(got!.vector)).toEqual(Array.from(doc.vector));
      expect({ ...got!, vector: null }).toEqual({ ...doc, vector: null });
    });

    it('answers undefined for a document that was never stored', async () => {
      expect(await h.store.get('code', 'tenant-a', 'nope')).toBeUndefined();
    });

    it('keeps documents with the same id apart by category and scope', async () => {
      await h.store.put(makeDocument({ scopeKey: 'tenant-a' }));
      await h.store.put(makeDocument({ scopeKey: 'tenant-b', tenant: 'tenant-b' }));
      await h.store.put(makeDocument({ category: 'math' }));
      expect((await h.store.get('code', 'tenant-b', 'doc-1'))?.tenant).toBe('tenant-b');
      expect((await h.store.get('math', 'tenant-a', 'doc-1'))?.category).toBe('math');
      expect(await h.store.get('math', 'tenant-b', 'doc-1')).toBeUndefined();
    });

    it('overwrites a document put again under the same key', async () => {
      await h.store.put(makeDocument());
      await h.store.put(makeDocument({ expiresAtMs: 99_000 }));
      expect((await h.store.get('code', 'tenant-a', 'doc-1'))?.expiresAtMs).toBe(99_000);
      expect(await collect(h.store.keys())).toHaveLength(1);
    });

    it('deletes a document and reports whether one was removed', async () => {
      await h.store.put(makeDocument());
      expect(await h.store.delete('code', 'tenant-a', 'doc-1')).toBe(true);
      expect(await h.store.get('code', 'tenant-a', 'doc-1')).toBeUndefined();
      expect(await h.store.delete('code', 'tenant-a', 'doc-1')).toBe(false);
    });

    it('scans by category and by shard prefix in key order', async () => {
      for (const [category, scopeKey, id] of [
        ['code', 'b', '2'],
        ['code', 'a', '1'],
        ['code', 'a', '0'],
        ['codex', 'a', '9'],
        ['math', '', '5'],
      ] as const) {
        await h.store.put(makeDocument({ category, scopeKey, id }));
      }
      const code = await collect(h.store.scan({ category: 'code' }));
      expect(code.map((d) => `${d.scopeKey}/${d.id}`)).toEqual(['a/0', 'a/1', 'b/2']);
      const shard = await collect(h.store.keys({ prefix: `${shardKeyOf('code', 'a')}\u001f` }));
      expect(shard).toEqual([documentKeyOf('code', 'a', '0'), documentKeyOf('code', 'a', '1')]);
      expect(await collect(h.store.keys())).toHaveLength(5);
      expect((await collect(h.store.scan({ category: 'math' })))[0]?.scopeKey).toBe('');
    });

    it('does not let a caller mutate a stored vector through the returned document', async () => {
      await h.store.put(makeDocument());
      const first = await h.store.get('code', 'tenant-a', 'doc-1');
      first!.vector[0] = 42;
      const second = await h.store.get('code', 'tenant-a', 'doc-1');
      expect(second!.vector[0]).toBeCloseTo(0.1, 6);
    });
  });
}
