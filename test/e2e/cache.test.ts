import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import { SIM_MODEL, startStack, type Stack } from './stack.js';

/**
 * Real sockets on 127.0.0.1: simulated vLLM, the gateway with the cache on (lmdb on disk in a temp
 * dir, the `http` embedder against the simulator's /v1/embeddings), plain fetch as the client.
 */
describe('end to end: the semantic cache in front of simulated vLLM', () => {
  let stack: Stack;
  let dir: string;
  let embeddings: SimServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fw-e2e-cache-'));
    embeddings = await startSimServer({ host: '127.0.0.1', port: 0, preset: 'zero-cost', model: SIM_MODEL });
    const simUrl = embeddings.url;
    stack = await startStack({
      instances: 1,
      config: {
        cache: {
          enabled: true,
          admitFinishReasons: ['stop', 'length'],
          mechanism: {
            embedder: 'http',
            http: { baseUrl: simUrl, model: SIM_MODEL, dims: 384 },
            dataDir: dir,
          },
        },
      },
    });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
    await embeddings?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (content: string, stream = false) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: SIM_MODEL,
        messages: [{ role: 'user', content }],
        max_tokens: 8,
        temperature: 0,
        stream,
      }),
    });

  it('answers a repeated question from the cache, as JSON and as a stream', async () => {
    const first = await ask('Who wrote the novel Middlemarch?');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-fairway-cache')).toBe('miss');
    const firstBody = (await first.json()) as { choices: { message: { content: string } }[] };
    // stores happen after the response: poll briefly (bounded) for the hit
    let hit: Response | null = null;
    for (let i = 0; i < 50 && hit === null; i++) {
      const res = await ask('Who wrote the novel Middlemarch?');
      if (res.headers.get('x-fairway-cache') === 'hit') hit = res;
      else {
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(hit).not.toBeNull();
    expect(hit!.headers.get('x-fairway-cache-tier')).toBe('exact');
    const hitBody = (await hit!.json()) as { choices: { message: { content: string } }[] };
    expect(hitBody.choices[0]!.message.content).toBe(firstBody.choices[0]!.message.content);

    const streamed = await ask('Who wrote the novel Middlemarch?', true);
    expect(streamed.headers.get('x-fairway-cache')).toBe('hit');
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const text = await streamed.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const content = text
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => JSON.parse(f.slice(6)) as { choices: { delta?: { content?: string } }[] })
      .map((f) => f.choices[0]?.delta?.content ?? '')
      .join('');
    expect(content).toBe(firstBody.choices[0]!.message.content);
  }, 20_000);

  it('exposes cache metrics on /metrics', async () => {
    const res = await fetch(`${stack.gateway.url}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/fairway_cache_lookups_total\{category="[a-z]+",tier="exact",result="hit"\} [1-9]/);
  });
});
