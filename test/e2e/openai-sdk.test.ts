import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_MODEL, startStack, type Stack } from './stack.js';

describe('end to end: the official openai SDK through the gateway to simulated vLLM', () => {
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    stack = await startStack();
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('lists the simulated model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(SIM_MODEL);
  });

  it('completes a chat request without streaming', async () => {
    const reply = await client.chat.completions.create({
      model: SIM_MODEL,
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 12,
      temperature: 0,
    });
    expect(reply.object).toBe('chat.completion');
    expect(reply.choices[0]!.message.role).toBe('assistant');
    expect(reply.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(reply.usage!.completion_tokens).toBeGreaterThan(0);
    expect(reply.usage!.total_tokens).toBe(reply.usage!.prompt_tokens + reply.usage!.completion_tokens);
  });

  it('streams a chat request', async () => {
    const stream = await client.chat.completions.create({
      model: SIM_MODEL,
      messages: [{ role: 'user', content: 'Stream a story' }],
      max_tokens: 24,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      chunks += 1;
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(ids.size).toBe(1);
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('returns exactly the simulator direct output for a greedy streamed request', async () => {
    const body = {
      model: SIM_MODEL,
      messages: [{ role: 'user' as const, content: 'Describe the sea in detail' }],
      max_tokens: 40,
      temperature: 0,
      stream: true as const,
      return_token_ids: true,
    };
    const collect = async (baseURL: string) => {
      const c = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
      const stream = await c.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      const tokenIds: number[] = [];
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        const ids = (chunk.choices[0] as { token_ids?: number[] | null } | undefined)?.token_ids;
        if (ids) tokenIds.push(...ids);
      }
      return { text, tokenIds };
    };
    const direct = await collect(`${stack.sims[0]!.url}/v1`);
    const through = await collect(`${stack.gateway.url}/v1`);
    expect(direct.tokenIds.length).toBeGreaterThan(0);
    expect(through).toEqual(direct);
  });

  it('stops at a stop string exactly where the simulator does (the gateway matches stops itself)', async () => {
    const base = {
      model: SIM_MODEL,
      messages: [{ role: 'user' as const, content: 'Tell me about rivers' }],
      max_tokens: 40,
      temperature: 0,
    };
    const sdk = (baseURL: string) => new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
    const unstopped = await sdk(`${stack.sims[0]!.url}/v1`).chat.completions.create(base);
    const full = unstopped.choices[0]?.message.content ?? '';
    expect(full.length).toBeGreaterThan(20);
    const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 4);
    const collect = async (baseURL: string) => {
      const stream = await sdk(baseURL).chat.completions.create({ ...base, stop: [stop], stream: true });
      let text = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { text, finish };
    };
    const direct = await collect(`${stack.sims[0]!.url}/v1`);
    expect(direct.text).toBe(full.slice(0, full.indexOf(stop)));
    expect(direct.finish).toBe('stop');
    expect(await collect(`${stack.gateway.url}/v1`)).toEqual(direct);
  });

  it('exposes per-tenant service, latency and instance metrics on /metrics', async () => {
    const text = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(text).toMatch(/fairway_service_tokens_total\{tenant="anonymous",kind="prompt"\} [1-9]/);
    expect(text).toMatch(/fairway_service_tokens_total\{tenant="anonymous",kind="output"\} [1-9]/);
    expect(text).toMatch(/fairway_time_to_first_token_seconds_count\{tenant="anonymous",priority="0"\} [1-9]/);
    expect(text).toMatch(/fairway_time_between_tokens_seconds_count\{tenant="anonymous"\} [1-9]/);
    expect(text).toMatch(/fairway_instance_up\{instance="sim-0"\} 1/);
    expect(text).toContain('fairway_vtc_counter{tenant="anonymous"}');
  });

  it('maps an unknown model to a 404 the SDK raises as NotFoundError', async () => {
    await expect(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404, code: 'FW_ERR_MODEL_NOT_FOUND' });
  });
});
