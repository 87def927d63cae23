import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend, MODEL, ScriptedScheduler, dispatchTo, expectedTokens, wordOf } from './fakes.js';
import { buildTestGateway, parseSse } from './harness.js';

type Chunk = { choices: { delta?: { content?: string }; finish_reason: string | null; token_ids?: number[] }[] };

/** Preempts the request once after `at` tokens and resumes it on the same instance. */
function preemptOnceAt(at: number): ScriptedScheduler {
  let done = false;
  return new ScriptedScheduler((e, self) => {
    if (e.type === 'arrive') return [dispatchTo(e.request.id, 'a', false)];
    if (e.type === 'tokens' && !done && self.tokensOf(e.id) >= at) {
      done = true;
      return [{ type: 'preempt', id: e.id, reason: 'fairness' }];
    }
    return e.type === 'stopped' ? [dispatchTo(e.id, 'a', true)] : [];
  });
}

describe('stop strings across a continuation seam', () => {
  let gw = buildTestGateway();
  afterEach(async () => {
    await gw.app.close();
  });

  it('ends a preempted stream at a stop string that straddles the seam, as an uninterrupted run would', async () => {
    const prompt = 'the quick brown fox';
    const tokens = expectedTokens(prompt, 12);
    const full = tokens.map(wordOf).join('');
    const seam = tokens.slice(0, 3).map(wordOf).join('').length; // the preemption comes after 3 tokens
    const stop = full.slice(seam - 2, seam + 3);
    expect(full.indexOf(stop)).toBe(seam - 2); // the stop first occurs across the seam
    const a = new FakeBackend({ id: 'a' });
    gw = buildTestGateway({ backends: [a], scheduler: preemptOnceAt(3) });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: {
        model: MODEL,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 12,
        temperature: 0,
        stop: [stop],
        stream: true,
        return_token_ids: true,
        stream_options: { include_usage: true },
      },
    });
    const frames = parseSse(res.body).slice(0, -1) as (Chunk & { usage?: { completion_tokens: number } })[];
    const text = frames.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(full.slice(0, seam - 2));
    expect(frames.map((c) => c.choices[0]?.finish_reason).filter((f) => f != null)).toEqual(['stop']);
    // The token that completed the stop string is the 4th: generated and counted, as vLLM counts it.
    expect(frames.flatMap((c) => c.choices[0]?.token_ids ?? [])).toEqual(tokens.slice(0, 4));
    expect(frames.at(-1)!.usage?.completion_tokens).toBe(4);
    // Both upstream attempts left stop strings to the gateway.
    expect(a.requests).toHaveLength(2);
    expect(a.requests.every((r) => r.body.stop === undefined)).toBe(true);
  });

  it('answers a JSON client with the text cut at the stop string and stop_reason set', async () => {
    const prompt = 'jumps over the lazy dog';
    const tokens = expectedTokens(prompt, 10);
    const full = tokens.map(wordOf).join('');
    const stop = wordOf(tokens[5]!);
    const cut = full.indexOf(stop);
    gw = buildTestGateway({ backends: [new FakeBackend({ id: 'a' })], scheduler: preemptOnceAt(2) });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt, max_tokens: 10, temperature: 0, stop },
    });
    const body = res.json<{ choices: { text: string; finish_reason: string; stop_reason: string }[] }>();
    expect(body.choices[0]).toMatchObject({ text: full.slice(0, cut), finish_reason: 'stop', stop_reason: stop });
  });

  it('leaves stop strings to vLLM when the upstream answer is one JSON body (never continued mid-text)', async () => {
    const a = new FakeBackend({ id: 'a' });
    const scheduler = new ScriptedScheduler((e) =>
      e.type === 'arrive' ? [dispatchTo(e.request.id, 'a', false, { streamTokens: false })] : [],
    );
    gw = buildTestGateway({ backends: [a], scheduler });
    await gw.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: MODEL, prompt: 'x y', max_tokens: 3, stop: ['zz'] },
    });
    expect(a.requests[0]?.body.stop).toEqual(['zz']);
  });
});
