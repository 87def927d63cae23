/**
 * The shared conformance suite every `BackendClient` passes, against whatever OpenAI-compatible
 * server `setup` starts (the stub vLLM server, the simulator, a real vLLM). Real sockets on
 * 127.0.0.1, bounded in time; the served model is discovered through `models()`.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamConnectionError, UpstreamHttpError, toFairwayError } from '../../src/backends/errors.js';
import { createVllmClient } from '../../src/backends/vllm-client.js';
import { asInstanceId } from '../../src/core/ids.js';
import type { BackendClient, GenerationDelta, UpstreamGeneration } from '../../src/core/ports.js';

export interface BackendClientFixture {
  readonly client: BackendClient;
  close(): Promise<void>;
}

interface Collected {
  readonly deltas: GenerationDelta[];
  readonly text: string;
  readonly tokenIds: number[];
  readonly promptTokenIds: readonly number[] | null;
  readonly last: GenerationDelta;
}

async function collect(client: BackendClient, request: UpstreamGeneration): Promise<Collected> {
  const deltas: GenerationDelta[] = [];
  for await (const delta of client.generate(request)) deltas.push(delta);
  const last = deltas.at(-1);
  if (last === undefined) throw new Error('stream produced no deltas');
  const tokenIds: number[] = [];
  for (const d of deltas) if (d.tokenIds !== null) tokenIds.push(...d.tokenIds);
  return {
    deltas,
    text: deltas.map((d) => d.text).join(''),
    tokenIds,
    promptTokenIds: deltas[0]!.promptTokenIds,
    last,
  };
}

function expectConsistent(run: Collected, maxTokens: number): void {
  expect(run.text.length).toBeGreaterThan(0);
  expect(run.last.finishReason).not.toBeNull();
  expect(run.deltas.slice(0, -1).every((d) => d.finishReason === null)).toBe(true);
  const usage = run.last.usage;
  expect(usage).not.toBeNull();
  expect(run.promptTokenIds).not.toBeNull();
  expect(run.promptTokenIds!.length).toBe(usage!.prompt_tokens);
  expect(run.tokenIds.length).toBe(usage!.completion_tokens);
  expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  expect(usage!.completion_tokens).toBeGreaterThan(0);
  expect(usage!.completion_tokens).toBeLessThanOrEqual(maxTokens);
  // Only the first delta carries the prompt ids.
  expect(run.deltas.slice(1).every((d) => d.promptTokenIds === null)).toBe(true);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return predicate();
}

export function runBackendClientSuite(name: string, setup: () => Promise<BackendClientFixture>): void {
  describe(`BackendClient conformance: ${name}`, () => {
    let fixture: BackendClientFixture;
    let client: BackendClient;
    let model: string;

    beforeAll(async () => {
      fixture = await setup();
      client = fixture.client;
      const models = await client.models();
      model = models[0]!.id;
    });

    afterAll(async () => {
      await fixture?.close();
    });

    it('reports healthy and lists at least one model card', async () => {
      expect(await client.health()).toBe(true);
      const models = await client.models();
      expect(models.length).toBeGreaterThan(0);
      expect(models[0]!.object).toBe('model');
      expect(typeof models[0]!.id).toBe('string');
    });

    it('streams a greedy chat completion with text, token ids, prompt ids and consistent usage', async () => {
      const request: UpstreamGeneration = {
        endpoint: 'chat',
        body: {
          model,
          messages: [{ role: 'user', content: 'Say something about foxes.' }],
          max_tokens: 12,
          temperature: 0,
        },
      };
      const run = await collect(client, request);
      expectConsistent(run, 12);
      const again = await collect(client, request);
      expect(again.tokenIds).toEqual(run.tokenIds);
      expect(again.text).toBe(run.text);
    });

    it.each(['chat', 'completions'] as const)(
      'answers a non-streamed %s generation as one final delta equal to the streamed run',
      async (endpoint) => {
        const body =
          endpoint === 'chat'
            ? { model, messages: [{ role: 'user', content: 'Tell me about rivers.' }], max_tokens: 9, temperature: 0 }
            : { model, prompt: 'Rivers run to the', max_tokens: 9, temperature: 0 };
        const streamed = await collect(client, { endpoint, body });
        const once = await collect(client, { endpoint, body, stream: false });
        expect(once.deltas).toHaveLength(1);
        expectConsistent(once, 9);
        expect(once.text).toBe(streamed.text);
        expect(once.tokenIds).toEqual(streamed.tokenIds);
        expect(once.promptTokenIds).toEqual(streamed.promptTokenIds);
        expect(once.last.finishReason).toBe(streamed.last.finishReason);
      },
    );

    it('streams a greedy text completion with text, token ids, prompt ids and consistent usage', async () => {
      const run = await collect(client, {
        endpoint: 'completions',
        body: { model, prompt: 'Once upon a time there was', max_tokens: 10, temperature: 0 },
      });
      expectConsistent(run, 10);
    });

    it('accepts a token-id prompt on /v1/completions and echoes it back as the prompt ids', async () => {
      const tokenized = await client.tokenize({ model, prompt: 'resume from these exact tokens please' });
      expect(tokenized.tokens.length).toBeGreaterThan(0);
      expect(tokenized.count).toBe(tokenized.tokens.length);
      const run = await collect(client, {
        endpoint: 'completions',
        body: { model, prompt: tokenized.tokens, max_tokens: 6, temperature: 0 },
      });
      expectConsistent(run, 6);
      expect(run.promptTokenIds).toEqual(tokenized.tokens);
    });

    it('continues token-exactly when prompt ids plus generated ids are resubmitted', async () => {
      const tokenized = await client.tokenize({ model, prompt: 'a continuation must be seamless' });
      const full = await collect(client, {
        endpoint: 'completions',
        body: { model, prompt: tokenized.tokens, max_tokens: 8, temperature: 0, ignore_eos: true },
      });
      const head = full.tokenIds.slice(0, 3);
      const tail = await collect(client, {
        endpoint: 'completions',
        body: { model, prompt: [...tokenized.tokens, ...head], max_tokens: 5, temperature: 0, ignore_eos: true },
      });
      expect([...head, ...tail.tokenIds]).toEqual(full.tokenIds);
    });

    it('ends the iteration on break and the server sees the disconnect', async () => {
      const received: GenerationDelta[] = [];
      let runningMidStream = -1;
      for await (const delta of client.generate({
        endpoint: 'completions',
        body: { model, prompt: 'a very long story', max_tokens: 2000, temperature: 0, ignore_eos: true },
      })) {
        received.push(delta);
        if (received.length === 3) {
          runningMidStream = (await client.metrics()).running;
          break;
        }
      }
      expect(received).toHaveLength(3);
      // The server counted the request as running, so seeing zero afterwards means it saw the disconnect.
      expect(runningMidStream).toBeGreaterThanOrEqual(1);
      expect(received.every((d) => d.finishReason === null)).toBe(true);
      const drained = await waitFor(async () => (await client.metrics()).running === 0, 3000);
      expect(drained).toBe(true);
    });

    it('rejects with an AbortError when the signal aborts mid-stream', async () => {
      const controller = new AbortController();
      let count = 0;
      const consume = async (): Promise<void> => {
        for await (const _ of client.generate(
          {
            endpoint: 'chat',
            body: { model, messages: [{ role: 'user', content: 'talk forever' }], max_tokens: 2000, ignore_eos: true },
          },
          controller.signal,
        )) {
          count++;
          if (count === 2) controller.abort();
        }
      };
      await expect(consume()).rejects.toMatchObject({ name: 'AbortError' });
      expect(count).toBeGreaterThanOrEqual(2);
      expect(count).toBeLessThan(2000);
      const drained = await waitFor(async () => (await client.metrics()).running === 0, 3000);
      expect(drained).toBe(true);
    });

    it('maps an unknown model to a 404 UpstreamHttpError and FW_ERR_MODEL_NOT_FOUND', async () => {
      const consume = async (): Promise<void> => {
        for await (const _ of client.generate({
          endpoint: 'chat',
          body: { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
        })) {
          // nothing arrives
        }
      };
      const error: unknown = await consume().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UpstreamHttpError);
      expect((error as UpstreamHttpError).status).toBe(404);
      expect((error as UpstreamHttpError).midStream).toBe(false);
      const mapped = toFairwayError(error, client.id);
      expect(mapped.code).toBe('FW_ERR_MODEL_NOT_FOUND');
      expect(mapped.message).toContain('no-such-model');
    });

    it('scrapes metrics as finite numbers with kvUsage in [0, 1] and counters that grew', async () => {
      const metrics = await client.metrics();
      for (const value of Object.values(metrics)) {
        expect(typeof value).toBe('number');
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
      }
      expect(metrics.kvUsage).toBeLessThanOrEqual(1);
      expect(metrics.promptTokensTotal).toBeGreaterThan(0);
      expect(metrics.generationTokensTotal).toBeGreaterThan(0);
    });

    it('fails with an UpstreamConnectionError before the first byte when the port is closed', async () => {
      const port = await closedPort();
      const dead = createVllmClient({ id: asInstanceId('dead'), baseUrl: `http://127.0.0.1:${port}`, connections: 1 });
      try {
        const consume = async (): Promise<void> => {
          for await (const _ of dead.generate({ endpoint: 'completions', body: { model, prompt: 'x' } })) {
            // nothing arrives
          }
        };
        const error: unknown = await consume().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UpstreamConnectionError);
        expect((error as UpstreamConnectionError).midStream).toBe(false);
        expect(toFairwayError(error, dead.id).code).toBe('FW_ERR_UPSTREAM_UNREACHABLE');
        expect(await dead.health()).toBe(false);
      } finally {
        await dead.close();
      }
    });
  });
}
