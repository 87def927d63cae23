/* eslint-disable @typescript-eslint/no-explicit-any -- tests inspect parsed JSON response bodies structurally */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer } from '../../src/sim/server.js';
import type { SimServer } from '../../src/sim/server.js';
import { Engine } from '../../src/core/engine/engine.js';
import { decode } from '../../src/core/engine/tokenizer.js';
import { metricValue, postJson, postSse, waitFor } from './helpers.js';

let sim: SimServer;
const MODEL = 'sim-test-model';

beforeAll(async () => {
  sim = await startSimServer({ preset: 'zero-cost', model: MODEL, seed: 7, maxModelLen: 4096 });
});
afterAll(async () => {
  await sim.close();
});

function engineOutput(promptIds: number[], maxTokens: number, extra: Record<string, unknown> = {}): number[] {
  const engine = new Engine({ preset: 'zero-cost', seed: 7, maxModelLen: 4096 });
  engine.add({ id: 'x', promptTokenIds: promptIds, maxTokens, temperature: 0, ...extra });
  const ids: number[] = [];
  while (engine.hasWork()) for (const o of engine.step().outputs) ids.push(o.tokenId);
  return ids;
}

describe('simulator HTTP server: plain routes', () => {
  it('answers /health with 200 and an empty body', async () => {
    const res = await fetch(`${sim.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('lists the model with max_model_len in vLLM shape', async () => {
    const json: any = await (await fetch(`${sim.url}/v1/models`)).json();
    expect(json.object).toBe('list');
    expect(json.data[0]).toMatchObject({ id: MODEL, object: 'model', owned_by: 'vllm', max_model_len: 4096 });
  });

  it('tokenizes prompts and chat messages and detokenizes back', async () => {
    const t = await postJson(`${sim.url}/tokenize`, { model: MODEL, prompt: 'hello world' });
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ count: 3, max_model_len: 4096 });
    expect(t.json.tokens).toHaveLength(3);
    const d = await postJson(`${sim.url}/detokenize`, { model: MODEL, tokens: t.json.tokens.slice(1) });
    expect(d.json).toEqual({ prompt: 'hello world' });
    const chat = await postJson(`${sim.url}/tokenize`, { messages: [{ role: 'user', content: 'hi there' }] });
    expect(decode(chat.json.tokens)).toBe('<s><|user|>\nhi there<|end|>\n<|assistant|>\n');
  });

  it('returns deterministic unit-norm embeddings in OpenAI shape, also as base64', async () => {
    const a = await postJson(`${sim.url}/v1/embeddings`, { model: MODEL, input: ['the cache server', 'hello'] });
    expect(a.status).toBe(200);
    expect(a.json.object).toBe('list');
    expect(a.json.data).toHaveLength(2);
    const v: number[] = a.json.data[0].embedding;
    expect(v).toHaveLength(384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const b64 = await postJson(`${sim.url}/v1/embeddings`, { input: 'the cache server', encoding_format: 'base64' });
    const buf = Buffer.from(b64.json.data[0].embedding, 'base64');
    const f = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    expect(Array.from(f)).toEqual(v);
    expect(a.json.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('renders errors in vLLM shape: unknown model 404, bad JSON 400, n>1 400, too long 400, unknown route 404', async () => {
    const wrong = await postJson(`${sim.url}/v1/completions`, { model: 'nope', prompt: 'x' });
    expect(wrong.status).toBe(404);
    expect(wrong.json.error).toMatchObject({ type: 'NotFoundError', code: 404 });
    const raw = await fetch(`${sim.url}/v1/completions`, { method: 'POST', body: '{not json' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).error).toMatchObject({ type: 'BadRequestError', code: 400, param: null });
    const n2 = await postJson(`${sim.url}/v1/completions`, { prompt: 'x', n: 2 });
    expect(n2.status).toBe(400);
    const long = await postJson(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 5000 });
    expect(long.status).toBe(400);
    expect(long.json.error.message).toContain('maximum context length is 4096 tokens');
    const route = await fetch(`${sim.url}/v2/nothing`);
    expect(route.status).toBe(404);
  });
});

describe('simulator HTTP server: generation', () => {
  it('answers a non-streaming completion with token ids on the choice and usage', async () => {
    const r = await postJson(`${sim.url}/v1/completions`, {
      model: MODEL,
      prompt: 'the model says',
      max_tokens: 12,
      ignore_eos: true,
      temperature: 0,
      return_token_ids: true,
    });
    expect(r.status).toBe(200);
    expect(r.json.id).toMatch(/^cmpl-/);
    expect(r.json.object).toBe('text_completion');
    const c = r.json.choices[0];
    expect(c).toMatchObject({ index: 0, finish_reason: 'length', stop_reason: null });
    expect(c.token_ids).toHaveLength(12);
    expect(c.text).toBe(decode(c.token_ids, { skipSpecialTokens: true }));
    expect(c.token_ids).toEqual(engineOutput(c.prompt_token_ids, 12, { ignoreEos: true }));
    expect(r.json.usage).toMatchObject({ prompt_tokens: c.prompt_token_ids.length, completion_tokens: 12 });
  });

  it('streams completions with prompt_token_ids on the first chunk only, usage and [DONE]', async () => {
    const body = { prompt: 'tell me a story', max_tokens: 9, ignore_eos: true, temperature: 0, return_token_ids: true };
    const { frames } = await postSse(`${sim.url}/v1/completions`, {
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(frames[frames.length - 1]).toBe('[DONE]');
    const usage = frames[frames.length - 2];
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(9);
    const chunks = frames.slice(0, -2);
    expect(chunks[0].choices[0].prompt_token_ids).toBeDefined();
    expect(chunks.slice(1).every((c: any) => c.choices[0].prompt_token_ids === undefined)).toBe(true);
    const ids = chunks.flatMap((c: any) => c.choices[0].token_ids);
    const full = await postJson(`${sim.url}/v1/completions`, body);
    expect(ids).toEqual(full.json.choices[0].token_ids);
    expect(chunks.map((c: any) => c.choices[0].text).join('')).toBe(full.json.choices[0].text);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('length');
  });

  it('streams chat with a role delta first and prompt_token_ids at the top level', async () => {
    const { frames } = await postSse(`${sim.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      max_completion_tokens: 5,
      ignore_eos: true,
      stream: true,
      return_token_ids: true,
    });
    expect(frames[0].object).toBe('chat.completion.chunk');
    expect(frames[0].id).toMatch(/^chatcmpl-/);
    expect(frames[0].choices[0].delta.role).toBe('assistant');
    expect(Array.isArray(frames[0].prompt_token_ids)).toBe(true);
    const content = frames.slice(1, -1);
    expect(content).toHaveLength(5);
    expect(content.every((f: any) => f.choices[0].token_ids.length === 1)).toBe(true);
    expect(content[4].choices[0].finish_reason).toBe('length');
    expect(frames[frames.length - 1]).toBe('[DONE]');
  });

  it('continues a chat exactly through /v1/completions with prompt + first k token ids', async () => {
    const chat = await postJson(`${sim.url}/v1/chat/completions`, {
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'write a poem' },
      ],
      max_tokens: 40,
      min_tokens: 30,
      temperature: 0,
      return_token_ids: true,
    });
    expect(chat.json.object).toBe('chat.completion');
    const promptIds: number[] = chat.json.prompt_token_ids;
    const ids: number[] = chat.json.choices[0].token_ids;
    expect(chat.json.choices[0].message.content).toBe(decode(ids, { skipSpecialTokens: true }));
    const k = 13;
    const cont = await postJson(`${sim.url}/v1/completions`, {
      prompt: [...promptIds, ...ids.slice(0, k)],
      max_tokens: 40 - k,
      min_tokens: 30 - k,
      temperature: 0,
      return_token_ids: true,
    });
    expect(cont.json.choices[0].token_ids).toEqual(ids.slice(k));
    expect(cont.json.choices[0].finish_reason).toBe(chat.json.choices[0].finish_reason);
  });

  it('truncates the text at a stop string and reports it as stop_reason', async () => {
    const base = { prompt: 'stop test', max_tokens: 30, ignore_eos: true, temperature: 0 };
    const full = await postJson(`${sim.url}/v1/completions`, base);
    const text: string = full.json.choices[0].text;
    const stop = text.slice(15, 19);
    const r = await postJson(`${sim.url}/v1/completions`, { ...base, stop });
    expect(r.json.choices[0]).toMatchObject({
      finish_reason: 'stop',
      stop_reason: stop,
      text: text.slice(0, text.indexOf(stop)),
    });
    const s = await postSse(`${sim.url}/v1/completions`, { ...base, stop: [stop], stream: true });
    expect(
      s.frames
        .slice(0, -1)
        .map((f: any) => f.choices[0].text)
        .join(''),
    ).toBe(text.slice(0, text.indexOf(stop)));
  });

  it('exposes vLLM metric names with a model_name label', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:num_preemptions_total',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_hits_total',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
    ]) {
      expect(text).toContain(`${name}{model_name="${MODEL}"}`);
    }
    expect(metricValue(text, 'vllm:generation_tokens_total')).toBeGreaterThan(0);
    expect(metricValue(text, 'vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
    expect(text).toContain('vllm:time_to_first_token_seconds_bucket{model_name=');
    expect(text).toContain('vllm:inter_token_latency_seconds_count{');
    expect(text).toContain('vllm:e2e_request_latency_seconds_sum{');
  });
});

describe('simulator HTTP server: abort on disconnect', () => {
  it('frees the KV of a stream whose client disconnects', async () => {
    const slow = await startSimServer({ preset: 'llama3-8b-a100', model: MODEL });
    try {
      const ac = new AbortController();
      const res = await fetch(`${slow.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a long story '.repeat(200), max_tokens: 2000, ignore_eos: true, stream: true }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      const during = await (await fetch(`${slow.url}/metrics`)).text();
      expect(metricValue(during, 'vllm:num_requests_running')).toBe(1);
      expect(metricValue(during, 'vllm:kv_cache_usage_perc')).toBeGreaterThan(0);
      ac.abort();
      const freed = await waitFor(async () => {
        const t = await (await fetch(`${slow.url}/metrics`)).text();
        return metricValue(t, 'vllm:num_requests_running') === 0 && metricValue(t, 'vllm:kv_cache_usage_perc') === 0;
      }, 3000);
      expect(freed).toBe(true);
      expect(slow.stats().usedBlocks).toBe(0);
    } finally {
      await slow.close();
    }
  });
});

describe('simulator HTTP server: close', () => {
  it('closes promptly with a stream in flight, which the client sees cut off', async () => {
    const s = await startSimServer({ preset: 'llama3-8b-a100' });
    const res = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', max_tokens: 3000, ignore_eos: true, stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const started = performance.now();
    await s.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })(),
    ).rejects.toThrow();
  });
});
