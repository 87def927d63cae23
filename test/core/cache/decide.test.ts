import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_POLICY } from '../../../src/core/cache/defaults.js';
import { contextFingerprint, scopeKey } from '../../../src/core/cache/keys.js';
import { createCachePolicy } from '../../../src/core/cache/policy.js';
import type { CacheCandidate, CacheQuery, ChatMessage } from '../../../src/core/cache/types.js';
import { ManualClock } from '../../../src/core/clock.js';
import { asTenantId } from '../../../src/core/ids.js';
import { tenantA, tenantB, withCategory } from './helpers.js';

const policy = createCachePolicy(DEFAULT_CACHE_POLICY);
const factual = DEFAULT_CACHE_POLICY.categories.factual!;
const emptyCtx = contextFingerprint([{ role: 'user', content: 'x' }]);

function pair(text: string, storedText = text, nowMs = 0): { query: CacheQuery; candidate: CacheCandidate } {
  return {
    query: { category: 'factual', scopeKey: scopeKey('tenant', tenantA), contextFingerprint: emptyCtx, text, load: 0 },
    candidate: {
      category: 'factual',
      scopeKey: scopeKey('tenant', tenantA),
      contextFingerprint: emptyCtx,
      text: storedText,
      storedAtMs: nowMs,
      ttlSeconds: factual.ttlSeconds,
    },
  };
}

describe('decideHit', () => {
  it('hits a close paraphrase in the same partition', () => {
    const { query, candidate } = pair('Who wrote Hamlet?', 'Who is the author of Hamlet?');
    expect(policy.decideHit(query, candidate, 0.95, 1000)).toEqual({
      hit: true,
      similarity: 0.95,
      threshold: factual.similarity,
    });
  });

  it('expires an entry at exactly its TTL, not a millisecond earlier (manual clock)', () => {
    const clock = new ManualClock(5_000);
    const { query, candidate } = pair('Who wrote Hamlet?', 'Who wrote Hamlet?', clock.nowMs());
    clock.advance(factual.ttlSeconds * 1000 - 1);
    expect(policy.decideHit(query, candidate, 1, clock.nowMs()).hit).toBe(true);
    clock.advance(1);
    expect(policy.decideHit(query, candidate, 1, clock.nowMs())).toMatchObject({ hit: false, reason: 'expired' });
  });

  it('serves stretched TTLs only under load, within ttlFactor', () => {
    const { query, candidate } = pair('Who wrote Hamlet?');
    const afterTtl = factual.ttlSeconds * 1000 + 1;
    expect(policy.decideHit(query, candidate, 1, afterTtl).hit).toBe(false);
    expect(policy.decideHit({ ...query, load: 1 }, candidate, 1, afterTtl).hit).toBe(true);
    const beyond = factual.ttlSeconds * 1000 * factual.adaptive.ttlFactor;
    expect(policy.decideHit({ ...query, load: 1 }, candidate, 1, beyond)).toMatchObject({ reason: 'expired' });
  });

  it('never hits when the category TTL is 0, even for entries stored before the change', () => {
    const zero = createCachePolicy(withCategory('factual', { ttlSeconds: 0 }));
    const { query, candidate } = pair('Who wrote Hamlet?');
    expect(zero.decideHit(query, candidate, 1, 1)).toMatchObject({ hit: false, reason: 'expired' });
  });

  it('never serves another tenant: 0 leaks over 1000 tenants at similarity 1', () => {
    const { query, candidate } = pair('What is the capital of Peru?');
    let leaks = 0;
    for (let i = 0; i < 1000; i++) {
      const other = { ...query, scopeKey: scopeKey('tenant', asTenantId(`t${i}`)) };
      if (policy.decideHit(other, candidate, 1, 1).hit) leaks++;
    }
    expect(leaks).toBe(0);
    const b = { ...query, scopeKey: scopeKey('tenant', tenantB) };
    expect(policy.decideHit(b, candidate, 1, 1)).toMatchObject({ hit: false, reason: 'scope-mismatch' });
  });

  it('never hits an identical last message under different earlier turns (fingerprint)', () => {
    const a: ChatMessage[] = [
      { role: 'user', content: 'My sister is 12.' },
      { role: 'assistant', content: 'Nice!' },
      { role: 'user', content: 'How old is she?' },
    ];
    const b: ChatMessage[] = [
      { role: 'user', content: 'My grandmother is 90.' },
      { role: 'assistant', content: 'Wonderful!' },
      { role: 'user', content: 'How old is she?' },
    ];
    const { query, candidate } = pair('How old is she?');
    const q = { ...query, contextFingerprint: contextFingerprint(a) };
    const c = { ...candidate, contextFingerprint: contextFingerprint(b) };
    expect(policy.decideHit(q, c, 1, 1)).toMatchObject({ hit: false, reason: 'context-mismatch' });
    expect(policy.decideHit(q, { ...c, contextFingerprint: contextFingerprint(a) }, 1, 1).hit).toBe(true);
  });

  it('misses below the threshold and reports it', () => {
    const { query, candidate } = pair('Who wrote Hamlet?', 'Who is the author of Hamlet?');
    expect(policy.decideHit(query, candidate, factual.similarity - 0.001, 1)).toMatchObject({
      hit: false,
      reason: 'below-threshold',
      threshold: factual.similarity,
    });
  });

  it('accepts a slightly lower similarity only under load', () => {
    const { query, candidate } = pair('Who wrote Hamlet?', 'Who is the author of Hamlet?');
    const s = factual.similarity - factual.adaptive.thresholdDelta / 2;
    expect(policy.decideHit(query, candidate, s, 1).hit).toBe(false);
    expect(policy.decideHit({ ...query, load: 1 }, candidate, s, 1).hit).toBe(true);
    const tooLow = factual.similarity - factual.adaptive.thresholdDelta - 0.001;
    expect(policy.decideHit({ ...query, load: 1 }, candidate, tooLow, 1).hit).toBe(false);
  });

  it('rejects a hard negative above the threshold and names the guard', () => {
    const { query, candidate } = pair('What is the largest ocean?', 'What is the smallest ocean?');
    expect(policy.decideHit(query, candidate, 0.99, 1)).toMatchObject({
      hit: false,
      reason: 'guard',
      guard: 'antonym',
    });
    const flights = pair('Flights from Paris to Rome', 'Flights from Rome to Paris');
    expect(policy.decideHit(flights.query, flights.candidate, 0.99, 1)).toMatchObject({ guard: 'direction' });
  });

  it('skips guards that the config turns off', () => {
    const noAntonym = createCachePolicy({
      ...DEFAULT_CACHE_POLICY,
      guards: DEFAULT_CACHE_POLICY.guards.filter((g) => g !== 'antonym'),
    });
    const { query, candidate } = pair('What is the largest ocean?', 'What is the smallest ocean?');
    expect(noAntonym.decideHit(query, candidate, 0.99, 1).hit).toBe(true);
  });

  it('misses across categories', () => {
    const { query, candidate } = pair('Who wrote Hamlet?');
    expect(policy.decideHit({ ...query, category: 'code' }, candidate, 1, 1)).toMatchObject({
      reason: 'category-mismatch',
    });
  });
});

describe('policy accessors', () => {
  it('reports effective policy, scope keys and the eviction horizon', () => {
    expect(policy.effectivePolicy('nope', 0)).toBeUndefined();
    expect(policy.effectivePolicy('factual', 0)?.similarity).toBe(factual.similarity);
    expect(policy.scopeKeyFor('factual', tenantA)).toBe('tenant:tenant-a');
    expect(policy.maxLifetimeMs('factual')).toBe(factual.ttlSeconds * 1000 * factual.adaptive.ttlFactor);
    expect(policy.categoryNames).toEqual(Object.keys(DEFAULT_CACHE_POLICY.categories));
  });

  it('refuses an invalid config with every problem listed', () => {
    expect(() =>
      createCachePolicy({
        ...withCategory('code', { match: { regex: ['('], keywords: [], models: [] } }),
        defaultCategory: 'missing',
      }),
    ).toThrow(/regex\/0[\s\S]*defaultCategory/);
  });
});
