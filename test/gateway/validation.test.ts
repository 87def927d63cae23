import { afterEach, describe, expect, it } from 'vitest';
import { buildTestGateway } from './harness.js';
import { FakeBackend, MODEL } from './fakes.js';

const chat = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'hello there' }],
  max_tokens: 4,
  ...extra,
});

describe('gateway request validation', () => {
  let gw = buildTestGateway();
  afterEach(async () => {
    await gw.app.close();
    gw = buildTestGateway();
  });

  const cases: {
    name: string;
    url?: string;
    payload: string;
    contentType?: string;
    status: number;
    code: string;
    param?: string | null;
  }[] = [
    { name: 'malformed JSON', payload: '{"model": "x",', status: 400, code: 'FW_ERR_INVALID_JSON' },
    { name: 'an empty body', payload: '', status: 400, code: 'FW_ERR_INVALID_JSON' },
    {
      name: 'missing messages',
      payload: JSON.stringify({ model: MODEL }),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'messages',
    },
    {
      name: 'missing model',
      payload: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'model',
    },
    {
      name: 'max_tokens of the wrong type',
      payload: JSON.stringify(chat({ max_tokens: 'ten' })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'max_tokens',
    },
    {
      name: 'temperature out of range',
      payload: JSON.stringify(chat({ temperature: 7 })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'temperature',
    },
    {
      name: 'an unknown role',
      payload: JSON.stringify(chat({ messages: [{ role: 'wizard', content: 'x' }] })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'messages[0].role',
    },
    {
      name: 'empty messages',
      payload: JSON.stringify(chat({ messages: [] })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'messages',
    },
    {
      name: 'n greater than 1',
      payload: JSON.stringify(chat({ n: 3 })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'n',
    },
    {
      name: 'chat logprobs (not relayed yet, so refused rather than silently dropped)',
      payload: JSON.stringify(chat({ logprobs: true, top_logprobs: 2 })),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'logprobs',
    },
    {
      name: 'completions logprobs',
      url: '/v1/completions',
      payload: JSON.stringify({ model: MODEL, prompt: 'x', logprobs: 0 }),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'logprobs',
    },
    {
      name: 'tools (tool calls are not relayed yet)',
      payload: JSON.stringify(
        chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }),
      ),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'tools',
    },
    {
      name: 'a completions prompt of the wrong type',
      url: '/v1/completions',
      payload: JSON.stringify({ model: MODEL, prompt: { text: 'x' } }),
      status: 400,
      code: 'FW_ERR_VALIDATION',
      param: 'prompt',
    },
    {
      name: 'an unknown model',
      payload: JSON.stringify(chat({ model: 'nope' })),
      status: 404,
      code: 'FW_ERR_MODEL_NOT_FOUND',
      param: 'model',
    },
    {
      name: 'a non-JSON content type',
      payload: 'hello',
      contentType: 'text/plain',
      status: 415,
      code: 'FW_ERR_UNSUPPORTED_MEDIA_TYPE',
    },
  ];

  it.each(cases)('answers $name with $status $code and keeps serving', async (c) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: c.url ?? '/v1/chat/completions',
      payload: c.payload,
      headers: { 'content-type': c.contentType ?? 'application/json' },
    });
    expect(res.statusCode).toBe(c.status);
    const body = res.json<{ error: { code: string; type: string; message: string; param: string | null } }>();
    expect(body.error.code).toBe(c.code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(typeof body.error.type).toBe('string');
    if (c.param !== undefined) expect(body.error.param).toBe(c.param);

    const ok = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chat() });
    expect(ok.statusCode).toBe(200);
  });

  it('answers a body over the limit with 413 FW_ERR_BODY_TOO_LARGE', async () => {
    await gw.app.close();
    gw = buildTestGateway({ config: { server: { bodyLimitBytes: 2048 } } });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: JSON.stringify(chat({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] })),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_BODY_TOO_LARGE');
  });

  it('answers 503 with Retry-After when no backend is healthy', async () => {
    await gw.app.close();
    const down = new FakeBackend({ id: 'a' });
    down.healthy = false;
    gw = buildTestGateway({ backends: [down] });
    const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chat() });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_NO_HEALTHY_BACKEND');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers an unknown route with 404 FW_ERR_ROUTE_NOT_FOUND', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_ROUTE_NOT_FOUND');
  });

  it('refuses new generations with 503 FW_ERR_SHUTTING_DOWN once shutdown begins', async () => {
    gw.beginShutdown();
    const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chat() });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_SHUTTING_DOWN');
    expect((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });
});
