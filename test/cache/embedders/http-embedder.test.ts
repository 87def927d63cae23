import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEmbedder } from '../../../src/cache/embedders/http-embedder.js';
import { isFairwayError } from '../../../src/errors.js';
import { embedderSuite } from '../../conformance/embedder.suite.js';

const DIMS = 64;

/** Bag-of-words hashing: a stand-in for an OpenAI-compatible embedding model (not normalized on purpose). */
function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    v[h % DIMS]! += 3;
  }
  v[0]! += 0.1;
  return v;
}

let server: Server;
let baseUrl: string;
let mode: 'ok' | 'reversed' | 'error' | 'wrong-dims' = 'ok';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { input: string[]; model: string };
      if (req.url !== '/v1/embeddings' || mode === 'error') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
        return;
      }
      let data = parsed.input.map((t, index) => ({
        object: 'embedding',
        index,
        embedding: mode === 'wrong-dims' ? [1, 2] : fakeEmbedding(t),
      }));
      if (mode === 'reversed') data = data.reverse();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data, model: parsed.model }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let embedder: HttpEmbedder;
beforeAll(() => {
  embedder = new HttpEmbedder({ baseUrl, model: 'fake-embed', dims: DIMS, timeoutMs: 5_000 });
});
afterAll(async () => {
  await embedder.close();
});

embedderSuite('http (OpenAI-compatible /v1/embeddings on 127.0.0.1)', () => embedder);

describe('http embedder', () => {
  it('puts rows back in input order using each item’s index', async () => {
    mode = 'reversed';
    try {
      const [a, b] = await embedder.embed(['apple pie', 'quantum physics']);
      mode = 'ok';
      const [a1, b1] = await embedder.embed(['apple pie', 'quantum physics']);
      expect(Array.from(a!)).toEqual(Array.from(a1!));
      expect(Array.from(b!)).toEqual(Array.from(b1!));
    } finally {
      mode = 'ok';
    }
  });

  it('reports a failing endpoint as FW_ERR_EMBEDDER_FAILED', async () => {
    mode = 'error';
    try {
      await expect(embedder.embed(['x'])).rejects.toSatisfy(
        (e: unknown) => isFairwayError(e) && e.code === 'FW_ERR_EMBEDDER_FAILED',
      );
    } finally {
      mode = 'ok';
    }
  });

  it('rejects embeddings of the wrong dimensions', async () => {
    mode = 'wrong-dims';
    try {
      await expect(embedder.embed(['x'])).rejects.toThrow(/malformed embedding/);
    } finally {
      mode = 'ok';
    }
  });
});
