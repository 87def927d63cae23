import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLmdbDocumentStore } from '../../../src/cache/stores/lmdb-store.js';
import { documentStoreSuite, makeDocument } from '../../conformance/document-store.suite.js';

documentStoreSuite('lmdb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-lmdb-'));
  const store = createLmdbDocumentStore({ path: join(dir, 'db') });
  let closed = false;
  return Promise.resolve({
    store,
    cleanup: async () => {
      if (!closed) await store.close();
      closed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe('lmdb document store on disk', () => {
  it('keeps acknowledged documents across close and reopen of the same path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-lmdb-'));
    try {
      const first = createLmdbDocumentStore({ path: join(dir, 'db') });
      await first.put(makeDocument({ id: 'a' }));
      await first.put(makeDocument({ id: 'b' }));
      await first.delete('code', 'tenant-a', 'a');
      await first.close();
      const second = createLmdbDocumentStore({ path: join(dir, 'db') });
      expect(await second.get('code', 'tenant-a', 'a')).toBeUndefined();
      expect(Array.from((await second.get('code', 'tenant-a', 'b'))!.vector)).toEqual(
        Array.from(makeDocument().vector),
      );
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
