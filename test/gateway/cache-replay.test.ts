import { describe, expect, it } from 'vitest';
import { asTenantId } from '../../src/core/ids.js';
import { cacheHeaders, cacheRequestOf, chunkText, replayFrames } from '../../src/gateway/cache-replay.js';
import type { StoredAnswer } from '../../src/cache/semantic-cache.js';
import { parseSse } from './harness.js';

const answer: StoredAnswer = {
  responseText: 'Paris is the capital of France.',
  tokenIds: [1, 2, 3],
  finishReason: 'stop',
  usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
  model: 'm',
  query: 'capital of France?',
  ttlSeconds: 60,
};

describe('cache replay', () => {
  it('chunks text without losing a character', () => {
    for (const text of ['', 'one', ' a  b\nc d e f g h i ', 'x '.repeat(37)]) {
      expect(chunkText(text).join('')).toBe(text);
    }
  });

  it('replays a completions hit as text_completion frames with the cached usage', () => {
    const idn = { kind: 'completions' as const, id: 'cmpl-1', created: 1, model: 'm', tokenIds: false };
    const frames = parseSse(replayFrames(idn, answer, true));
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -3) as { object: string; choices: { text: string }[] }[];
    expect(chunks.every((f) => f.object === 'text_completion')).toBe(true);
    expect(chunks.map((f) => f.choices[0]!.text).join('')).toBe(answer.responseText);
    expect(frames.at(-2)).toMatchObject({ usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
    expect(frames.at(-3)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
  });

  it('reads the cache view of a request and strips the opt-out field before forwarding', () => {
    const body: Record<string, unknown> = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      fairway_cache: false,
    };
    const r = cacheRequestOf(
      'chat',
      body,
      { 'x-fairway-category': 'code', 'cache-control': 'no-cache' },
      asTenantId('t'),
    );
    expect(body).not.toHaveProperty('fairway_cache');
    expect(r).toMatchObject({ optOut: true, categoryHeader: 'code', cacheControl: 'no-cache', temperature: 0.2 });
    const withLogprobs = cacheRequestOf('completions', { model: 'm', prompt: 'x', logprobs: 2 }, {}, asTenantId('t'));
    expect(withLogprobs.optOut).toBe(true);
    expect(withLogprobs.messages).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('says nothing in headers when the cache is off', () => {
    expect(cacheHeaders(null)).toEqual({});
  });
});
