/** vLLM client behaviour beyond the conformance suite: request shaping, faults, keep-alive, timeouts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFairwayError, UpstreamConnectionError, UpstreamHttpError } from '../../src/backends/errors.js';
import { createVllmClient } from '../../src/backends/vllm-client.js';
import { asInstanceId } from '../../src/core/ids.js';
import type { BackendClient, GenerationDelta, UpstreamGeneration } from '../../src/core/ports.js';
import { startStubVllm, type StubServer } from '../fixtures/backends/stub-vllm-server.js';

let stub: StubServer;
let client: BackendClient;

beforeAll(async () => {
  stub = await startStubVllm({ tokenIntervalMs: 1 });
  client = createVllmClient({
    id: asInstanceId('stub'),
    baseUrl: `${stub.url}/`,
    connections: 4,
    headersTimeoutMs: 300,
    bodyTimeoutMs: 300,
  });
});

afterAll(async () => {
  await client.close();
  await stub.close();
});

async function run(request: UpstreamGeneration): Promise<{ deltas: GenerationDelta[]; error: unknown }> {
  const deltas: GenerationDelta[] = [];
  try {
    for await (const d of client.generate(request)) deltas.push(d);
    return { deltas, error: null };
  } catch (error) {
    return { deltas, error };
  }
}

const completion = (extra: Record<string, unknown> = {}): UpstreamGeneration => ({
  endpoint: 'completions',
  body: { model: stub.model, prompt: 'hello there', max_tokens: 8, ...extra },
});

describe('vllm client', () => {
  it('forces streaming, usage and token ids while keeping the caller’s other fields', async () => {
    const { error } = await run(
      completion({ stream: false, stream_options: { continuous_usage_stats: false }, priority: 3, temperature: 0.5 }),
    );
    expect(error).toBeNull();
    expect(stub.lastBody()).toMatchObject({
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: false },
      return_token_ids: true,
      priority: 3,
      temperature: 0.5,
      prompt: 'hello there',
    });
  });

  it('delivers finish reason and usage together on the last delta, and prompt ids on the first', async () => {
    const { deltas } = await run({
      endpoint: 'chat',
      body: { model: stub.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 },
    });
    expect(deltas).toHaveLength(4);
    expect(deltas[0]!.promptTokenIds).not.toBeNull();
    expect(deltas[0]!.text.length).toBeGreaterThan(0);
    expect(deltas[3]).toMatchObject({ finishReason: 'length', usage: { completion_tokens: 4 } });
    expect(deltas.slice(0, 3).every((d) => d.usage === null)).toBe(true);
  });

  it('reuses keep-alive connections across sequential requests', async () => {
    const before = stub.connections();
    for (let i = 0; i < 10; i++) await run(completion({ max_tokens: 2 }));
    expect(stub.connections() - before).toBeLessThanOrEqual(1);
  });

  it('closes the upstream request when the consumer breaks', async () => {
    const before = stub.disconnects();
    for await (const _ of client.generate(completion({ max_tokens: 5000 }))) break;
    await expect.poll(() => stub.disconnects(), { timeout: 2000 }).toBe(before + 1);
  });

  it('surfaces a socket reset after the first byte as a mid-stream UpstreamConnectionError', async () => {
    const { deltas, error } = await run(completion({ stub_fault: 'reset' }));
    expect(deltas).toHaveLength(3);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect((error as UpstreamConnectionError).midStream).toBe(true);
    expect(toFairwayError(error, client.id).code).toBe('FW_ERR_UPSTREAM_UNREACHABLE');
  });

  it('ends cleanly when the connection drops after the finishing frame (only the usage trailer is lost)', async () => {
    const { deltas, error } = await run(completion({ max_tokens: 4, stub_fault: 'reset-after-finish' }));
    expect(error).toBeNull();
    expect(deltas).toHaveLength(4);
    expect(deltas[3]).toMatchObject({ finishReason: 'length', usage: null });
  });

  it('treats a clean end without [DONE] or finish_reason as a truncated stream', async () => {
    const { deltas, error } = await run(completion({ stub_fault: 'truncate' }));
    expect(deltas).toHaveLength(3);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ midStream: true, code: 'FW_STREAM_TRUNCATED' });
  });

  it('raises an error frame inside a 2xx stream as a mid-stream UpstreamHttpError', async () => {
    const { deltas, error } = await run(completion({ stub_fault: 'error-frame' }));
    expect(deltas).toHaveLength(3);
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect(error).toMatchObject({ status: 500, midStream: true });
    expect(toFairwayError(error, client.id).code).toBe('FW_ERR_UPSTREAM_FAILED');
  });

  it('maps a 5xx before the stream to FW_ERR_UPSTREAM_FAILED with the upstream message', async () => {
    const { error } = await run(completion({ stub_fault: 'http-500' }));
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect(error).toMatchObject({ status: 500, midStream: false, upstreamMessage: 'engine dead' });
    const mapped = toFairwayError(error, client.id);
    expect(mapped.code).toBe('FW_ERR_UPSTREAM_FAILED');
    expect(mapped.message).toContain('engine dead');
  });

  it('maps a 4xx with a legacy error body to FW_ERR_UPSTREAM_REJECTED', async () => {
    const { error } = await run(completion({ stub_fault: 'http-400' }));
    expect(error).toMatchObject({ status: 400, upstreamMessage: 'max_tokens too large' });
    expect(toFairwayError(error, client.id).code).toBe('FW_ERR_UPSTREAM_REJECTED');
  });

  it('times out waiting for headers as a pre-stream timeout', async () => {
    const { error } = await run(completion({ stub_fault: 'stall-headers' }));
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ midStream: false, timeoutMs: 300 });
    expect(toFairwayError(error, client.id).code).toBe('FW_ERR_UPSTREAM_TIMEOUT');
  });

  it('times out a stalled body as a mid-stream timeout', async () => {
    const { deltas, error } = await run(completion({ stub_fault: 'stall-body' }));
    expect(deltas).toHaveLength(2);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ midStream: true, timeoutMs: 300 });
    expect(toFairwayError(error, client.id).code).toBe('FW_ERR_UPSTREAM_TIMEOUT');
  });

  it('rejects with an AbortError when the signal aborts while waiting for headers', async () => {
    const controller = new AbortController();
    const consume = async (): Promise<void> => {
      for await (const _ of client.generate(completion({ stub_fault: 'stall-headers' }), controller.signal)) {
        // nothing arrives
      }
    };
    const pending = consume();
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with an AbortError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const consume = async (): Promise<void> => {
      for await (const _ of client.generate(completion(), controller.signal)) {
        // nothing
      }
    };
    await expect(consume()).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.health(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('toFairwayError', () => {
  const id = asInstanceId('x');
  it('maps a 404 without a model to the model named in the upstream message', () => {
    const e = new UpstreamHttpError(id, 404, { error: { message: 'The model `llama` does not exist.', code: 404 } });
    const mapped = toFairwayError(e, id);
    expect(mapped.code).toBe('FW_ERR_MODEL_NOT_FOUND');
    expect(mapped.message).toContain('`llama`');
  });

  it('maps a bare route 404 to FW_ERR_UPSTREAM_REJECTED even when the request named a model', () => {
    expect(toFairwayError(new UpstreamHttpError(id, 404, { detail: 'Not Found' }, false, 'm'), id).code).toBe(
      'FW_ERR_UPSTREAM_REJECTED',
    );
  });

  it('classifies raw transport errors and unknown values without throwing', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toFairwayError(refused, id).code).toBe('FW_ERR_UPSTREAM_UNREACHABLE');
    const timeout = Object.assign(new Error('Connect Timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(toFairwayError(timeout, id).code).toBe('FW_ERR_UPSTREAM_TIMEOUT');
    expect(toFairwayError('weird', id).code).toBe('FW_ERR_UPSTREAM_FAILED');
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toFairwayError(abort, id).code).toBe('FW_ERR_UPSTREAM_FAILED');
  });
});
