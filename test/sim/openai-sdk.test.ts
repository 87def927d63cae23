import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startSimServer } from '../../src/sim/server.js';
import type { SimServer } from '../../src/sim/server.js';

let sim: SimServer;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimServer({ preset: 'zero-cost', model: 'm' });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe('simulator against the official OpenAI SDK', () => {
  it('serves a streamed chat completion with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });
    let text = '';
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(completionTokens).toBeGreaterThan(0);
    expect(completionTokens).toBeLessThanOrEqual(6);
  });

  it('serves embeddings in the SDK default (base64) encoding', async () => {
    const r = await client.embeddings.create({ model: 'm', input: 'the cache server' });
    expect(r.data[0]?.embedding).toHaveLength(384);
  });

  it('surfaces a 404 for an unknown model as an SDK NotFoundError', async () => {
    await expect(client.completions.create({ model: 'other', prompt: 'x', max_tokens: 1 })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });
});

describe('simulator real-time pacing', () => {
  it('delivers the first token of a 1024-token prompt after about the preset prefill time', async () => {
    const paced = await startSimServer({ preset: 'llama3-8b-a100' });
    try {
      const prompt = Array.from({ length: 1024 }, (_, i) => 300 + i);
      const started = performance.now();
      const res = await fetch(`${paced.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt, max_tokens: 1, stream: true }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      const ttftMs = performance.now() - started;
      await reader.cancel();
      // 16.4415 + 0.04784 * 1024 = 65.43 ms of modelled prefill; allow scheduling slack above.
      expect(ttftMs).toBeGreaterThanOrEqual(60);
      expect(ttftMs).toBeLessThan(1000);
    } finally {
      await paced.close();
    }
  });
});
