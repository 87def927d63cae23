import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createCachePolicy, DEFAULT_CACHE_POLICY, DEFAULT_CATEGORIES } from '../../src/core/cache/index.js';
import type { CachePolicyConfig } from '../../src/core/cache/index.js';
import { asTenantId } from '../../src/core/ids.js';
import {
  coalescableTicket,
  createCoalescer,
  isServable,
  type Follower,
  type Leader,
  type Role,
  type Timeouts,
} from '../../src/cache/coalescer.js';
import type { CacheLookupRequest, CacheTicket, LookupOutcome } from '../../src/cache/semantic-cache-types.js';

/** Timeouts on a manual clock: `advance` fires what is due, in order. */
class ManualTimeouts implements Timeouts {
  readonly clock = new ManualClock(0);
  #due: { atMs: number; fire: () => void; live: boolean }[] = [];

  after(ms: number, fire: () => void): () => void {
    const t = { atMs: this.clock.nowMs() + ms, fire, live: true };
    this.#due.push(t);
    return () => void (t.live = false);
  }

  pending(): number {
    return this.#due.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    const now = this.clock.nowMs();
    const ready = this.#due.filter((t) => t.live && t.atMs <= now).sort((a, b) => a.atMs - b.atMs);
    this.#due = this.#due.filter((t) => t.live && t.atMs > now);
    for (const t of ready) t.fire();
  }
}

const setup = (maxFollowers = 8, maxWaitMs = 1_000) => {
  const timeouts = new ManualTimeouts();
  const c = createCoalescer<string>({ maxWaitMs, maxFollowers, timeouts });
  return { c, timeouts };
};

function asLeader(r: Role<string>): Leader<string> {
  if (r.role !== 'leader') throw new Error(`expected a leader, got ${r.role}`);
  return r;
}
function asFollower(r: Role<string>): Follower<string> {
  if (r.role !== 'follower') throw new Error(`expected a follower, got ${r.role}`);
  return r;
}

describe('Coalescer', () => {
  it('makes the first request for a key the leader and hands its answer to every follower', async () => {
    const { c } = setup();
    const leader = asLeader(c.lead('k'));
    const f1 = asFollower(c.lead('k'));
    const f2 = asFollower(c.lead('k'));
    expect(c.stats()).toEqual({ leaders: 1, followers: 2 });
    leader.finish('answer');
    expect(await f1.answer).toBe('answer');
    expect(await f2.answer).toBe('answer');
    expect(f1.reason()).toBeNull();
    expect(c.stats()).toEqual({ leaders: 0, followers: 0 });
    // the key is free again: the next request leads
    expect(c.lead('k').role).toBe('leader');
  });

  it('releases followers with null when the leader fails, and fail after finish changes nothing', async () => {
    const { c } = setup();
    const leader = asLeader(c.lead('k'));
    const f = asFollower(c.lead('k'));
    leader.fail();
    expect(await f.answer).toBeNull();
    expect(f.reason()).toBe('leader-failed');

    const l2 = asLeader(c.lead('k'));
    const f2 = asFollower(c.lead('k'));
    l2.finish('a');
    l2.fail();
    expect(await f2.answer).toBe('a');
  });

  it('releases a follower after maxWaitMs while the leader keeps going, and the leader still serves the rest', async () => {
    const { c, timeouts } = setup(8, 1_000);
    const leader = asLeader(c.lead('k'));
    const early = asFollower(c.lead('k'));
    timeouts.advance(600);
    const late = asFollower(c.lead('k'));
    timeouts.advance(400);
    expect(await early.answer).toBeNull();
    expect(early.reason()).toBe('timeout');
    expect(c.stats()).toEqual({ leaders: 1, followers: 1 });
    leader.finish('a');
    expect(await late.answer).toBe('a');
    expect(timeouts.pending()).toBe(0);
  });

  it('lets a released follower go upstream alone (join: false) while the leader is still in flight', () => {
    const { c } = setup();
    asLeader(c.lead('k'));
    expect(c.lead('k', { join: false }).role).toBe('solo');
    expect(asLeader(c.lead('other', { join: false })).key).toBe('other');
  });

  it('a released follower becomes the new leader when the old one failed', async () => {
    const { c } = setup();
    const old = asLeader(c.lead('k'));
    const f = asFollower(c.lead('k'));
    old.fail();
    expect(await f.answer).toBeNull();
    const next = asLeader(c.lead('k', { join: false }));
    const g = asFollower(c.lead('k'));
    next.finish('second');
    expect(await g.answer).toBe('second');
  });

  it('carries at most maxFollowers per key; the others go upstream on their own', () => {
    const { c } = setup(2);
    asLeader(c.lead('k'));
    asFollower(c.lead('k'));
    asFollower(c.lead('k'));
    expect(c.lead('k').role).toBe('solo');
    expect(c.stats().followers).toBe(2);
  });

  it('never joins a leader of another key', async () => {
    const { c } = setup();
    const a = asLeader(c.lead('tenant:alice|q'));
    const b = asLeader(c.lead('tenant:bob|q'));
    const fa = asFollower(c.lead('tenant:alice|q'));
    b.finish('bob answer');
    a.finish('alice answer');
    expect(await fa.answer).toBe('alice answer');
  });

  it('a follower that leaves gets null and does not disturb the leader or the other followers', async () => {
    const { c, timeouts } = setup();
    const leader = asLeader(c.lead('k'));
    const gone = asFollower(c.lead('k'));
    const stays = asFollower(c.lead('k'));
    gone.leave();
    expect(await gone.answer).toBeNull();
    expect(gone.reason()).toBe('left');
    expect(c.stats()).toEqual({ leaders: 1, followers: 1 });
    expect(timeouts.pending()).toBe(1);
    leader.finish('a');
    expect(await stays.answer).toBe('a');
  });

  it('close releases every follower and a leader finishing afterwards is harmless', async () => {
    const { c } = setup();
    const leader = asLeader(c.lead('k'));
    const f = asFollower(c.lead('k'));
    c.close();
    expect(await f.answer).toBeNull();
    expect(f.reason()).toBe('closed');
    const newer = asLeader(c.lead('k'));
    const g = asFollower(c.lead('k'));
    leader.finish('stale');
    expect(c.stats()).toEqual({ leaders: 1, followers: 1 });
    newer.finish('fresh');
    expect(await g.answer).toBe('fresh');
  });
});

describe('what may coalesce (the cache policy decides)', () => {
  const config: CachePolicyConfig = DEFAULT_CACHE_POLICY;
  const policy = createCachePolicy(config);
  const request = (over: Partial<CacheLookupRequest> = {}): CacheLookupRequest => ({
    tenant: asTenantId('alice'),
    model: 'm',
    messages: [{ role: 'user', content: 'Who wrote Hamlet?' }],
    temperature: 0,
    sampling: { model: 'm', temperature: 0 },
    ...over,
  });
  const ticket = (category: string, over: Partial<CacheLookupRequest> = {}): CacheTicket => ({
    request: request(over),
    category,
    scopeKey: 'tenant:alice',
    fingerprint: 'f',
    text: 'Who wrote Hamlet?',
    normalized: 'who wrote hamlet',
    exactKey: 'k',
  });
  const miss = (t: CacheTicket): LookupOutcome => ({ kind: 'miss', ticket: t, bestScore: null, reason: 'x' });

  it('admits a plain miss of a cacheable request', () => {
    const t = ticket('factual');
    expect(coalescableTicket(policy, miss(t))).toBe(t);
  });

  it('refuses hits, bypasses (no-cache, opt-out), no-store, hot temperatures and zero-TTL categories', () => {
    const t = ticket('factual');
    expect(coalescableTicket(policy, null)).toBeNull();
    expect(
      coalescableTicket(policy, { kind: 'bypass', ticket: t, category: 'factual', reason: 'opted-out' }),
    ).toBeNull();
    expect(coalescableTicket(policy, miss(ticket('factual', { cacheControl: 'no-store' })))).toBeNull();
    const maxT = DEFAULT_CATEGORIES.factual!.maxTemperature;
    expect(coalescableTicket(policy, miss(ticket('factual', { temperature: maxT + 0.1 })))).toBeNull();
    const zero = createCachePolicy({
      ...config,
      categories: { ...DEFAULT_CATEGORIES, factual: { ...DEFAULT_CATEGORIES.factual!, ttlSeconds: 0 } },
    });
    expect(coalescableTicket(zero, miss(t))).toBeNull();
  });

  it('serves followers only answers the cache would store (complete and successful)', () => {
    const t = ticket('factual');
    expect(isServable(policy, t, { status: 200, finishReason: 'stop', error: false })).toBe(true);
    expect(isServable(policy, t, { status: 200, finishReason: 'length', error: false })).toBe(
      DEFAULT_CACHE_POLICY.admitFinishReasons.includes('length'),
    );
    expect(isServable(policy, t, { status: 500, finishReason: null, error: true })).toBe(false);
  });
});
