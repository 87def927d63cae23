import { describe, expect, it } from 'vitest';
import { HashEmbedder, loadNativeHash } from '../../../src/cache/embedders/hash-embedder.js';
import { createEmbedder, isEmbedderName } from '../../../src/cache/embedders/registry.js';
import { embedderSuite } from '../../conformance/embedder.suite.js';

const unavailable = await loadNativeHash().then(
  () => null,
  (e: unknown) => (e instanceof Error ? e.message : String(e)),
);
if (unavailable !== null)
  console.warn(`[hash-embedder.test] skipped: native/index.ts hashEmbedBatch unavailable (${unavailable})`);

describe.skipIf(unavailable !== null)('hash embedder (native/index.ts)', () => {
  const embedder = new HashEmbedder(512);
  embedderSuite('hash', () => embedder);

  it('is created by name from the registry', async () => {
    expect(isEmbedderName('hash')).toBe(true);
    expect(isEmbedderName('onnx')).toBe(false);
    const e = createEmbedder('hash', { dims: 256 });
    expect(e.dims).toBe(256);
    expect((await e.embed(['registry']))[0]!.length).toBe(256);
    await e.close();
  });

  it('returns rows that own their buffers, so each can be transferred alone', async () => {
    const [a, b] = await embedder.embed(['one', 'two']);
    expect(a!.buffer).not.toBe(b!.buffer);
    expect(a!.byteOffset).toBe(0);
  });
});
