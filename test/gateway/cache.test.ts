import { describe, expect, it } from 'vitest';
import { parseSse } from './harness.js';
import { DEFAULT_CATEGORIES } from '../../src/core/cache/defaults.js';
import { ADMIN, chat, trackedCachedGateways, type CachedGateway as Gateway } from './cache-harness.js';

const gateway = trackedCachedGateways();

const upstreamCalls = (g: Gateway) => g.backends.reduce((n, b) => n + b.requests.length, 0);

describe('gateway with the semantic cache', () => {
  it('serves a hit after a miss, without calling the backend, with the cached usage', async () => {
    const g = await gateway();
    const first = await g.app.inject(chat('Who wrote Hamlet?'));
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-fairway-cache']).toBe('miss');
    expect(first.headers['x-fairway-cache-category']).toBe('factual');
    await g.cache.settled();
    const second = await g.app.inject(chat('who wrote hamlet'));
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-fairway-cache']).toBe('hit');
    expect(second.headers['x-fairway-cache-tier']).toBe('exact');
    expect(second.headers['x-fairway-cache-category']).toBe('factual');
    expect(Number(second.headers['x-fairway-cache-similarity'])).toBe(1);
    expect(upstreamCalls(g)).toBe(1);
    const a = first.json<{ choices: { message: { content: string } }[]; usage: unknown }>();
    const b = second.json<{ choices: { message: { content: string } }[]; usage: unknown; object: string }>();
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect(b.usage).toEqual(a.usage);
    expect(b.object).toBe('chat.completion');
  });

  it('replays a hit as an SSE stream in the usual chunk format', async () => {
    const g = await gateway();
    const first = await g.app.inject(chat('Who painted the Mona Lisa?', { stream: true }));
    expect(first.headers['x-fairway-cache']).toBe('miss');
    await g.cache.settled();
    const second = await g.app.inject(chat('Who painted the Mona Lisa?', { stream: true }));
    expect(second.headers['x-fairway-cache']).toBe('hit');
    expect(second.headers['content-type']).toContain('text/event-stream');
    const text = (frames: unknown[]) =>
      frames
        .filter((f): f is { choices: { delta: { content?: string } }[] } => typeof f === 'object' && f !== null)
        .map((f) => f.choices[0]?.delta.content ?? '')
        .join('');
    const live = parseSse(first.body);
    const replay = parseSse(second.body);
    expect(text(replay)).toBe(text(live));
    expect(replay.at(-1)).toBe('[DONE]');
    const opening = replay[0] as { object: string; choices: { delta: { role: string } }[] };
    expect(opening.object).toBe('chat.completion.chunk');
    expect(opening.choices[0]!.delta.role).toBe('assistant');
    const usage = replay.at(-2) as { usage: unknown; choices: unknown[] };
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual((live.at(-2) as { usage: unknown }).usage);
    const finish = replay.at(-3) as { choices: { finish_reason: string }[] };
    expect(finish.choices[0]!.finish_reason).toBe('length');
  });

  it('honours Cache-Control no-cache (no lookup, still stored) and no-store (neither)', async () => {
    const g = await gateway();
    const noStore = await g.app.inject(
      chat('Who discovered penicillin?', { headers: { 'cache-control': 'no-store' } }),
    );
    expect(noStore.headers['x-fairway-cache']).toBe('bypass');
    await g.cache.settled();
    expect((await g.app.inject(chat('Who discovered penicillin?'))).headers['x-fairway-cache']).toBe('miss');
    await g.cache.settled();
    const noCache = await g.app.inject(
      chat('Who discovered penicillin?', { headers: { 'cache-control': 'no-cache' } }),
    );
    expect(noCache.headers['x-fairway-cache']).toBe('bypass');
    await g.cache.settled();
    expect((await g.app.inject(chat('Who discovered penicillin?'))).headers['x-fairway-cache']).toBe('hit');
    expect(upstreamCalls(g)).toBe(3);
  });

  it('lets a request opt out by body field (stripped upstream) or header', async () => {
    const g = await gateway();
    await g.app.inject(chat('Who invented the telephone?'));
    await g.cache.settled();
    const byBody = await g.app.inject(chat('Who invented the telephone?', { extra: { fairway_cache: false } }));
    expect(byBody.headers['x-fairway-cache']).toBe('bypass');
    expect(g.backends[0]!.requests.at(-1)!.body).not.toHaveProperty('fairway_cache');
    const byHeader = await g.app.inject(chat('Who invented the telephone?', { headers: { 'x-fairway-cache': 'off' } }));
    expect(byHeader.headers['x-fairway-cache']).toBe('bypass');
    expect(upstreamCalls(g)).toBe(3);
  });

  it('takes the category from x-fairway-category and rejects an unknown one with 400', async () => {
    const g = await gateway();
    const ok = await g.app.inject(chat('hello there', { headers: { 'x-fairway-category': 'code' } }));
    expect(ok.headers['x-fairway-cache-category']).toBe('code');
    const bad = await g.app.inject(chat('hello there', { headers: { 'x-fairway-category': 'nope' } }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_UNKNOWN_CATEGORY');
  });

  it('never serves one tenant the answers of another (0 leaks)', async () => {
    const g = await gateway();
    const prompts = Array.from({ length: 10 }, (_, i) => `Who was the ${i + 1}th president of France?`);
    for (const p of prompts) await g.app.inject(chat(p, { tenant: 'alice' }));
    await g.cache.settled();
    let leaks = 0;
    for (const p of prompts) {
      const res = await g.app.inject(chat(p, { tenant: 'bob' }));
      if (res.headers['x-fairway-cache'] === 'hit') leaks += 1;
    }
    expect(leaks).toBe(0);
    expect((await g.app.inject(chat(prompts[0]!, { tenant: 'alice' }))).headers['x-fairway-cache']).toBe('hit');
  });

  it('does not hit for the same last message under a different conversation', async () => {
    const g = await gateway();
    const convo = (name: string) => [
      { role: 'user', content: `My friend is ${name}.` },
      { role: 'assistant', content: 'Nice.' },
      { role: 'user', content: 'Where does my friend live?' },
    ];
    await g.app.inject(chat(convo('Tom')));
    await g.cache.settled();
    expect((await g.app.inject(chat(convo('Ann')))).headers['x-fairway-cache']).toBe('miss');
    expect((await g.app.inject(chat(convo('Tom')))).headers['x-fairway-cache']).toBe('hit');
  });

  it('applies an admin PUT of a category policy to the next lookup', async () => {
    const g = await gateway({ categories: { conversation: { similarity: 0.5 } } });
    await g.app.inject(chat('Tell me a funny story about cats'));
    await g.cache.settled();
    const near = chat('Tell me the funny story about cats');
    const before = await g.app.inject(near);
    expect(before.headers['x-fairway-cache']).toBe('hit');
    expect(before.headers['x-fairway-cache-tier']).toBe('lexical');
    const put = await g.app.inject({
      method: 'PUT',
      url: '/admin/cache/categories/conversation',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { similarity: 0.9999, adaptive: { minSimilarity: 0.9999 } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json<{ policy: { similarity: number } }>().policy.similarity).toBe(0.9999);
    expect((await g.app.inject(near)).headers['x-fairway-cache']).toBe('miss');
    const invalid = await g.app.inject({
      method: 'PUT',
      url: '/admin/cache/categories/conversation',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { similarity: 3 },
    });
    expect(invalid.statusCode).toBe(400);
    const anonymous = await g.app.inject({ method: 'PUT', url: '/admin/cache/categories/conversation', payload: {} });
    expect(anonymous.statusCode).toBeGreaterThanOrEqual(401);
    // The override is listed, and dropping it restores the configured policy for the next lookup.
    const admin = { authorization: `Bearer ${ADMIN}` };
    const listed = (await g.app.inject({ method: 'GET', url: '/admin/cache/categories', headers: admin })).json<{
      overrides: { durable: boolean; categories: Record<string, string> };
    }>();
    expect(listed.overrides.durable).toBe(false); // no data directory: overrides last as long as the process
    expect(Object.keys(listed.overrides.categories)).toEqual(['conversation']);
    const url = '/admin/cache/categories/conversation/override';
    const reset = await g.app.inject({ method: 'DELETE', url, headers: admin });
    expect(reset.json()).toMatchObject({ outcome: 'restored', policy: { similarity: 0.5 } });
    expect((await g.app.inject(near)).headers['x-fairway-cache']).toBe('hit');
    const again = await g.app.inject({ method: 'DELETE', url, headers: admin });
    expect(again.statusCode).toBe(400);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_VALIDATION');
  });

  it('lists categories with policy, live stats and the threshold in force', async () => {
    const g = await gateway();
    await g.app.inject(chat('Who wrote Faust?'));
    await g.cache.settled();
    const res = await g.app.inject({
      method: 'GET',
      url: '/admin/cache/categories',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      load: { level: number };
      categories: Record<
        string,
        { policy: { similarity: number }; stats: { entries: number; effective: { similarity: number } } }
      >;
    }>();
    expect(body.load.level).toBe(0);
    expect(body.categories.factual!.stats.entries).toBe(1);
    expect(body.categories.factual!.stats.effective.similarity).toBe(body.categories.factual!.policy.similarity);
    const metrics = await g.metrics.registry.metrics();
    expect(metrics).toMatch(/fairway_cache_lookups_total\{category="factual",tier="none",result="miss"\} 1/);
    expect(metrics).toMatch(/fairway_cache_entries\{category="factual"\} 1/);
    const factual = DEFAULT_CATEGORIES.factual!.similarity;
    expect(metrics).toContain(`fairway_cache_threshold{category="factual"} ${factual}`);
  });

  it('invalidates by category, tenant and entry id through the admin API', async () => {
    const g = await gateway();
    const admin = (payload: Record<string, unknown>) =>
      g.app.inject({
        method: 'POST',
        url: '/admin/cache/invalidate',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload,
      });
    await g.app.inject(chat('Who wrote Ulysses?'));
    await g.app.inject(chat('Who wrote Dune?', { tenant: 'bob' }));
    await g.cache.settled();
    const hit = await g.app.inject(chat('Who wrote Ulysses?'));
    const id = hit.headers['x-fairway-cache-entry'] as string;
    expect((await admin({ id })).json<{ removed: number }>().removed).toBeGreaterThanOrEqual(1);
    expect((await g.app.inject(chat('Who wrote Ulysses?'))).headers['x-fairway-cache']).toBe('miss');
    expect((await admin({ tenant: 'bob' })).json<{ removed: number }>().removed).toBeGreaterThanOrEqual(1);
    expect((await g.app.inject(chat('Who wrote Dune?', { tenant: 'bob' }))).headers['x-fairway-cache']).toBe('miss');
    await g.cache.settled();
    expect((await admin({ category: 'factual' })).json<{ removed: number }>().removed).toBeGreaterThanOrEqual(1);
    expect((await g.app.inject(chat('Who wrote Dune?', { tenant: 'bob' }))).headers['x-fairway-cache']).toBe('miss');
    expect((await admin({})).statusCode).toBe(400);
    expect((await admin({ category: 'nope' })).statusCode).toBe(400);
  });
});
