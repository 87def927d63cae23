import { afterEach, describe, expect, it } from 'vitest';
import { asInstanceId, type RequestId } from '../../src/core/ids.js';
import type { SchedDecision } from '../../src/core/scheduler/types.js';
import { FakeBackend, MODEL, ScriptedScheduler, expectedTokens, toIds, wordOf, dispatchTo } from './fakes.js';
import { buildTestGateway, parseSse } from './harness.js';

type Chunk = {
  id: string;
  object: string;
  choices: {
    delta?: { role?: string; content?: string };
    text?: string;
    token_ids?: number[] | null;
    prompt_token_ids?: number[] | null;
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  prompt_token_ids?: number[];
};

describe('gateway relay', () => {
  let gw = buildTestGateway();
  afterEach(async () => {
    await gw.app.close();
  });

  it('answers a non-streamed chat request with the whole text and usage', async () => {
    gw = buildTestGateway();
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: MODEL, messages: [{ role: 'user', content: 'one two three' }], max_tokens: 5 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      object: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    }>();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message).toEqual({
      role: 'assistant',
      content: expectedTokens('one two three', 5).map(wordOf).join(''),
    });
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  });

  it.each([
    ['least-loaded', false],
    ['vtc', true],
  ] as const)(
    'asks the backend for one answer for a JSON client under %s only when no token progress is needed',
    async (policy, streamed) => {
      const a = new FakeBackend({ id: 'a' });
      gw = buildTestGateway({ backends: [a], config: { scheduler: { policy } } });
      const res = await gw.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: MODEL, messages: [{ role: 'user', content: 'one two three' }], max_tokens: 5 },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ choices: { message: { content: string } }[] }>().choices[0]!.message.content).toBe(
        expectedTokens('one two three', 5).map(wordOf).join(''),
      );
      expect(a.requests.map((r) => r.stream)).toEqual([streamed]);
    },
  );

  it.each([
    [true, 7],
    [false, undefined],
  ] as const)('forwards the scheduler vLLM priority only when configured (%s)', async (forward, expected) => {
    const a = new FakeBackend({ id: 'a' });
    const scheduler = new ScriptedScheduler((e) =>
      e.type === 'arrive' ? [dispatchTo(e.request.id, 'a', false, { vllmPriority: 7 })] : [],
    );
    gw = buildTestGateway({ backends: [a], scheduler, config: { scheduler: { forwardVllmPriority: forward } } });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'a b', max_tokens: 2, priority: 3 },
    });
    expect(res.statusCode).toBe(200);
    expect(a.requests[0]!.body.priority).toBe(expected);
  });

  it('streams chat as chunks with one id: role, content, finish, usage, [DONE]', async () => {
    gw = buildTestGateway();
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: {
        model: MODEL,
        messages: [{ role: 'user', content: 'a b' }],
        max_tokens: 3,
        stream: true,
        stream_options: { include_usage: true },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const frames = parseSse(res.body);
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1) as Chunk[];
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(expectedTokens('a b', 3).map(wordOf).join(''));
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('streams completions with token ids and prompt token ids on the first choice', async () => {
    gw = buildTestGateway();
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'x y z', max_tokens: 4, stream: true, return_token_ids: true },
    });
    const chunks = parseSse(res.body).slice(0, -1) as Chunk[];
    expect(chunks[0]!.object).toBe('text_completion');
    expect(chunks[0]!.choices[0]!.prompt_token_ids).toEqual(toIds('x y z'));
    const ids = chunks.flatMap((c) => c.choices[0]!.token_ids ?? []);
    expect(ids).toEqual(expectedTokens('x y z', 4));
  });

  it('resumes a stream preempted twice and migrated once with identical text, ids and usage', async () => {
    const a = new FakeBackend({ id: 'a' });
    const b = new FakeBackend({ id: 'b' });
    // Dispatch to a; preempt after 3 tokens and again after 6 (resume on a); migrate to b after 9.
    const plan: { at: number; decision: (id: RequestId) => SchedDecision }[] = [
      { at: 3, decision: (id) => ({ type: 'preempt', id, reason: 'fairness' }) },
      { at: 6, decision: (id) => ({ type: 'preempt', id, reason: 'priority' }) },
      {
        at: 9,
        decision: (id) => ({ type: 'migrate', id, from: asInstanceId('a'), to: asInstanceId('b'), reason: 'load' }),
      },
    ];
    let step = 0;
    let migrating = false;
    const scheduler = new ScriptedScheduler((e, self) => {
      switch (e.type) {
        case 'arrive':
          return [dispatchTo(e.request.id, 'a', false)];
        case 'tokens': {
          const next = plan[step];
          if (next !== undefined && self.tokensOf(e.id) >= next.at) {
            step += 1;
            migrating = next.at === 9;
            return [next.decision(e.id)];
          }
          return [];
        }
        case 'stopped':
          return [dispatchTo(e.id, migrating ? 'b' : 'a', true)];
        default:
          return [];
      }
    });
    gw = buildTestGateway({ backends: [a, b], scheduler });
    const prompt = 'the quick brown fox';
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: {
        model: MODEL,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 14,
        min_tokens: 12,
        temperature: 0,
        stream: true,
        return_token_ids: true,
        stream_options: { include_usage: true },
      },
    });
    const chunks = parseSse(res.body).slice(0, -1) as Chunk[];
    const expected = expectedTokens(prompt, 14);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.flatMap((c) => c.choices[0]?.token_ids ?? [])).toEqual(expected);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(expected.map(wordOf).join(''));
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 14, total_tokens: 18 });
    expect(chunks[0]!.prompt_token_ids).toEqual(toIds(prompt));
    // The continuations went to /v1/completions with prompt + generated ids and reduced budgets.
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(1);
    const resumed = b.requests[0]!;
    expect(resumed.endpoint).toBe('completions');
    expect(resumed.body.prompt).toEqual([...toIds(prompt), ...expected.slice(0, 9)]);
    expect(resumed.body.max_tokens).toBe(5);
    expect(resumed.body.min_tokens).toBe(3);
    expect(resumed.body.temperature).toBe(0);
    expect(resumed.body.messages).toBeUndefined();
    expect(
      scheduler.events.filter((e) => e.type === 'stopped').map((e) => e.type === 'stopped' && e.generatedTokens),
    ).toEqual([3, 6, 9]);
  });

  it('completes a stream on another instance when its instance dies mid-stream, without a client error', async () => {
    const a = new FakeBackend({ id: 'a', failAfterTokens: 4 });
    const b = new FakeBackend({ id: 'b' });
    const scheduler = new ScriptedScheduler((e) => {
      if (e.type === 'arrive') {
        return [dispatchTo(e.request.id, 'a', false)];
      }
      if (e.type === 'interrupted') return [dispatchTo(e.id, 'b', true)];
      return [];
    });
    gw = buildTestGateway({ backends: [a, b], scheduler });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'p q r', max_tokens: 10, stream: true },
    });
    const frames = parseSse(res.body);
    expect(frames.some((f) => typeof f === 'object' && f !== null && 'error' in f)).toBe(false);
    const text = (frames.slice(0, -1) as Chunk[]).map((c) => c.choices[0]?.text ?? '').join('');
    expect(text).toBe(expectedTokens('p q r', 10).map(wordOf).join(''));
    expect(gw.fleet.failures).toEqual(['a']);
  });

  it('returns the upstream failure once a request has used up server.maxUpstreamFailures resumes', async () => {
    const a = new FakeBackend({ id: 'a', failAfterTokens: 4 });
    const b = new FakeBackend({ id: 'b', failAfterTokens: 2 });
    const scheduler = new ScriptedScheduler((e) => {
      if (e.type === 'arrive') return [dispatchTo(e.request.id, 'a', false)];
      if (e.type === 'interrupted') return [dispatchTo(e.id, 'b', true)];
      return [];
    });
    gw = buildTestGateway({ backends: [a, b], scheduler, config: { server: { maxUpstreamFailures: 1 } } });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'p q r', max_tokens: 10, stream: true },
    });
    const frames = parseSse(res.body);
    // The first failure (on a) is survived on b; the second (on b) reaches the client as an error frame.
    expect(b.requests).toHaveLength(1);
    expect(frames.some((f) => typeof f === 'object' && f !== null && 'error' in f)).toBe(true);
    expect(gw.fleet.failures).toEqual(['a']);
  });

  it('moves a stream whose instance the scheduler declared down and re-placed, without a client error', async () => {
    const a = new FakeBackend({ id: 'a', tokenDelayMs: 2 });
    const b = new FakeBackend({ id: 'b' });
    let moved = false;
    const scheduler = new ScriptedScheduler((e, self) => {
      if (e.type === 'arrive') {
        return [dispatchTo(e.request.id, 'a', false)];
      }
      // As after instanceDown: the scheduler requeues the run and places it on b unasked.
      if (e.type === 'tokens' && !moved && self.tokensOf(e.id) >= 3) {
        moved = true;
        return [dispatchTo(e.id, 'b', true)];
      }
      return [];
    });
    gw = buildTestGateway({ backends: [a, b], scheduler });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'm n', max_tokens: 8, stream: true, return_token_ids: true },
    });
    const chunks = parseSse(res.body).slice(0, -1) as Chunk[];
    expect(chunks.flatMap((c) => c.choices[0]!.token_ids ?? [])).toEqual(expectedTokens('m n', 8));
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]!.body.prompt).toEqual([...toIds('m n'), ...expectedTokens('m n', 3)]);
  });

  it('reports an upstream failure that cannot be retried as an OpenAI error before the stream starts', async () => {
    const a = new FakeBackend({ id: 'a', failAfterTokens: 0 });
    const scheduler = new ScriptedScheduler((e) =>
      e.type === 'arrive' || e.type === 'interrupted'
        ? [dispatchTo(e.type === 'arrive' ? e.request.id : e.id, 'a', e.type === 'interrupted')]
        : [],
    );
    gw = buildTestGateway({ backends: [a], scheduler });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'p', max_tokens: 3 },
    });
    expect(res.statusCode).toBe(502);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_UPSTREAM_UNREACHABLE');
    expect(scheduler.events.some((e) => e.type === 'failed')).toBe(true);
  });
});
