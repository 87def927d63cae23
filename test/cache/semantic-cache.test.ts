import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_POLICY, type CachePolicyConfig, type CategoryConfig } from '../../src/core/cache/index.js';
import type { SemanticCache } from '../../src/cache/semantic-cache.js';
import { buildCache, finished, lookupThenStore, req } from './semantic-cache-helpers.js';

const withCategory = (name: string, patch: Partial<CategoryConfig>): CachePolicyConfig => ({
  ...DEFAULT_CACHE_POLICY,
  categories: { ...DEFAULT_CACHE_POLICY.categories, [name]: { ...DEFAULT_CACHE_POLICY.categories[name]!, ...patch } },
});

let open: SemanticCache[] = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c.close()));
  open = [];
});

async function make(options: Parameters<typeof buildCache>[0] = {}) {
  const built = await buildCache(options);
  open.push(built.cache);
  return built;
}

describe('SemanticCache', () => {
  it('misses first, then serves the stored answer from the exact tier', async () => {
    const { cache } = await make();
    const first = await lookupThenStore(cache, req('What is the capital of France?'), 'Paris');
    expect(first.kind).toBe('miss');
    const second = await cache.lookup(req('  what is the capital of france '));
    expect(second.kind).toBe('hit');
    if (second.kind !== 'hit') return;
    expect(second.tier).toBe('exact');
    expect(second.answer.responseText).toBe('Paris');
    expect(second.ticket.category).toBe('factual');
  });

  it('serves a near-duplicate from the lexical tier when the exact key differs', async () => {
    const { cache } = await make({ policy: withCategory('code', { similarity: 0.5 }) });
    await lookupThenStore(cache, req('How do I reverse a list in Python', { category: 'code' }), 'list[::-1]');
    const out = await cache.lookup(req('How do I reverse a list, in Python?', { category: 'code' }));
    expect(out.kind).toBe('hit');
    if (out.kind === 'hit') {
      expect(out.tier).toBe('lexical');
      expect(out.similarity).toBeGreaterThan(0.8);
    }
  });

  it('rejects a near-duplicate with a different number through the guards', async () => {
    const { cache } = await make({
      policy: withCategory('math', { similarity: 0.01 }),
      semantic: true,
      lexical: false,
      exact: false,
    });
    await lookupThenStore(cache, req('What is 15 percent of 240?', { category: 'math' }), '36');
    const out = await cache.lookup(req('What is 15 percent of 250?', { category: 'math' }));
    expect(out.kind).toBe('miss');
    if (out.kind === 'miss') expect(out.reason).toBe('numbers');
  });

  it('expires entries at their TTL on the manual clock', async () => {
    const { cache, clock } = await make();
    const r = req('What is the weather in Paris right now?', { category: 'volatile' });
    await lookupThenStore(cache, r, 'Sunny');
    clock.advance(299_999);
    expect((await cache.lookup(r)).kind).toBe('hit');
    clock.advance(1);
    expect((await cache.lookup(r)).kind).toBe('miss');
    // the index keeps it for the longest adapted lifetime (ttlFactor 1.5), then a sweep removes it
    clock.advance(150_000);
    expect(await cache.sweep()).toBeGreaterThanOrEqual(1);
    expect((await cache.stats()).categories.volatile!.entries).toBe(0);
  });

  it('never stores a category whose TTL is 0', async () => {
    const { cache } = await make({ policy: withCategory('math', { ttlSeconds: 0 }) });
    const r = req('Solve 3x + 5 = 20', { category: 'math' });
    const first = await cache.lookup(r);
    expect(first.kind).toBe('bypass');
    if (first.kind === 'bypass') expect(first.ticket).toBeNull();
    expect((await cache.lookup(r)).kind).toBe('bypass');
    expect((await cache.stats()).categories.math!.entries).toBe(0);
  });

  it('holds the entry quota per category, evicting the least recently used', async () => {
    const { cache } = await make({
      policy: withCategory('factual', { quota: { maxEntries: 2, maxBytes: 1 << 20 } }),
    });
    const qs = ['Who wrote Hamlet?', 'Who painted the Mona Lisa?', 'Who discovered penicillin?'];
    for (const q of qs) await lookupThenStore(cache, req(q, { category: 'factual' }), `answer to ${q}`);
    const stats = await cache.stats();
    expect(stats.categories.factual!.entries).toBe(2);
    expect(stats.categories.factual!.exactEntries).toBe(2);
    expect((await cache.lookup(req(qs[0]!, { category: 'factual' }))).kind).toBe('miss');
    expect((await cache.lookup(req(qs[2]!, { category: 'factual' }))).kind).toBe('hit');
    // another category is not charged
    await lookupThenStore(cache, req('Tell me a joke about cats', { category: 'conversation' }), 'meow');
    expect((await cache.stats()).categories.factual!.entries).toBe(2);
  });

  it('never serves a tenant-scoped entry to another tenant (0 leaks)', async () => {
    const { cache } = await make({ policy: withCategory('conversation', { similarity: 0.3 }) });
    const prompts = Array.from({ length: 20 }, (_, i) => `Give me advice number ${i} on staying motivated`);
    for (const p of prompts) await lookupThenStore(cache, req(p, { tenant: 'alice', category: 'conversation' }), 'a');
    let leaks = 0;
    for (const p of prompts) {
      const out = await cache.lookup(req(p, { tenant: 'bob', category: 'conversation' }));
      if (out.kind === 'hit') leaks += 1;
    }
    expect(leaks).toBe(0);
    expect((await cache.lookup(req(prompts[3]!, { tenant: 'alice', category: 'conversation' }))).kind).toBe('hit');
  });

  it('never hits for the same last message under different earlier turns', async () => {
    const { cache } = await make();
    const historyA = [
      { role: 'user', content: 'Tell me about my brother Tom.' },
      { role: 'assistant', content: 'Tom is 12.' },
    ];
    const historyB = [
      { role: 'user', content: 'Tell me about my sister Ann.' },
      { role: 'assistant', content: 'Ann is 30.' },
    ];
    await lookupThenStore(cache, req('How old is he?', { history: historyA }), 'He is 12.');
    expect((await cache.lookup(req('How old is he?', { history: historyB }))).kind).toBe('miss');
    expect((await cache.lookup(req('How old is he?', { history: historyA }))).kind).toBe('hit');
  });

  it('applies a live PUT of the threshold on the next lookup', async () => {
    const { cache } = await make({ policy: withCategory('code', { similarity: 0.5 }), exact: false });
    await lookupThenStore(cache, req('How do I reverse a list in Python', { category: 'code' }), 'x');
    const near = req('How can I reverse the list in Python?', { category: 'code' });
    expect((await cache.lookup(near)).kind).toBe('hit');
    const problems = await cache.updateCategory('code', {
      ...DEFAULT_CACHE_POLICY.categories.code!,
      similarity: 0.9999,
      adaptive: { ...DEFAULT_CACHE_POLICY.categories.code!.adaptive, minSimilarity: 0.9999 },
    });
    expect(problems).toEqual([]);
    expect((await cache.lookup(near)).kind).toBe('miss');
    expect(await cache.updateCategory('code', { ...DEFAULT_CACHE_POLICY.categories.code!, similarity: 2 })).toEqual([
      '/categories/code/similarity: must be within [0, 1]',
    ]);
  });

  it('lowers the threshold only within its bound under load and recovers after', async () => {
    const { cache, clock } = await make();
    const base = DEFAULT_CACHE_POLICY.categories.conversation!;
    for (let i = 0; i < 40; i++) {
      cache.observeLoad(1, clock.nowMs());
      clock.advance(500);
    }
    const loaded = (await cache.stats()).categories.conversation!.effective;
    expect(loaded.similarity).toBeLessThan(base.similarity);
    expect(loaded.similarity).toBeGreaterThanOrEqual(base.similarity - base.adaptive.thresholdDelta - 1e-9);
    expect(loaded.ttlSeconds).toBeGreaterThan(base.ttlSeconds);
    for (let i = 0; i < 400; i++) {
      cache.observeLoad(0, clock.nowMs());
      clock.advance(500);
    }
    const idle = (await cache.stats()).categories.conversation!.effective;
    expect(idle.similarity).toBe(base.similarity);
    expect(idle.ttlSeconds).toBe(base.ttlSeconds);
  });

  it('honours no-store, no-cache and the per-request opt-out', async () => {
    const { cache } = await make();
    const q = 'Who wrote Pride and Prejudice?';
    const noStore = await cache.lookup(req(q, { cacheControl: 'no-store' }));
    expect(noStore.kind).toBe('bypass');
    if (noStore.kind === 'bypass') expect(noStore.ticket).toBeNull();
    const optOut = await cache.lookup(req(q, { optOut: true }));
    expect(optOut.kind === 'bypass' && optOut.ticket === null).toBe(true);
    const noCache = await cache.lookup(req(q, { cacheControl: 'no-cache' }));
    expect(noCache.kind).toBe('bypass');
    if (noCache.kind !== 'bypass' || noCache.ticket === null) throw new Error('no-cache must still store');
    await cache.store(noCache.ticket, finished('Jane Austen'));
    expect((await cache.lookup(req(q, { cacheControl: 'no-cache' }))).kind).toBe('bypass');
    expect((await cache.lookup(req(q))).kind).toBe('hit');
  });

  it('does not store incomplete or failed answers', async () => {
    const { cache } = await make();
    const out = await cache.lookup(req('Who wrote Dracula?'));
    if (out.kind !== 'miss') throw new Error('expected a miss');
    const cut = await cache.store(out.ticket, {
      ...finished('Bram'),
      response: { status: 200, finishReason: 'length', error: false },
    });
    expect(cut).toEqual({ stored: false, reason: 'incomplete' });
    expect((await cache.lookup(req('Who wrote Dracula?'))).kind).toBe('miss');
  });

  it('invalidates by entry id, tenant and category', async () => {
    const { cache } = await make();
    const a = await cache.lookup(req('Who wrote Hamlet?', { tenant: 'alice' }));
    const stored = await cache.store(a.kind === 'miss' ? a.ticket : (undefined as never), finished('Shakespeare'));
    if (!stored.stored) throw new Error('not stored');
    await lookupThenStore(cache, req('Who wrote Faust?', { tenant: 'bob' }), 'Goethe');
    await lookupThenStore(cache, req('Tell me a joke', { tenant: 'bob', category: 'conversation' }), 'joke');
    expect(await cache.invalidate({ id: stored.id })).toBeGreaterThanOrEqual(1);
    expect((await cache.lookup(req('Who wrote Hamlet?', { tenant: 'alice' }))).kind).toBe('miss');
    expect(await cache.invalidate({ category: 'factual' })).toBeGreaterThanOrEqual(1);
    expect((await cache.lookup(req('Who wrote Faust?', { tenant: 'bob' }))).kind).toBe('miss');
    expect(await cache.invalidate({ tenant: 'bob' })).toBeGreaterThanOrEqual(1);
    expect((await cache.lookup(req('Tell me a joke', { tenant: 'bob', category: 'conversation' }))).kind).toBe('miss');
  });

  it('reports an unknown category header as a tagged outcome', async () => {
    const { cache } = await make();
    expect(await cache.lookup(req('hi', { category: 'nope' }))).toEqual({ kind: 'unknown-category', name: 'nope' });
  });

  it('searches the semantic tier after the lexical tier', async () => {
    const { cache } = await make({
      semantic: true,
      lexical: false,
      exact: false,
      policy: withCategory('code', { similarity: 0.5 }),
    });
    await lookupThenStore(cache, req('How do I reverse a list in Python', { category: 'code' }), 'x');
    const out = await cache.lookup(req('How do I reverse a list, in Python?', { category: 'code' }));
    expect(out.kind === 'hit' && out.tier).toBe('semantic');
  });
});

describe('lexical tier scoring', () => {
  it('does not treat swapped entities as a near-duplicate', async () => {
    const { orderAgreement, lexicalScore } = await import('../../src/cache/verifier.js');
    expect(
      orderAgreement('Can a Python script call a C library?', 'Can a C library call a Python script?'),
    ).toBeLessThan(0.5);
    expect(orderAgreement('How do I reverse a list in Python', 'how do i reverse a list, in python?')).toBe(1);
    expect(
      lexicalScore('Can a Python script call a C library?', 'Can a C library call a Python script?', 0.99),
    ).toBeLessThan(0.3);
  });
});
