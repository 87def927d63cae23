import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { UpstreamGeneration } from '../../src/core/ports.js';
import { parseSse } from './harness.js';
import { chat, trackedCachedGateways, type CachedGateway as Gateway } from './cache-harness.js';
import type { FakeBackend } from './fakes.js';

const gateway = trackedCachedGateways();

/**
 * Holds every upstream call at a gate until `open()`, so requests overlap deterministically (no
 * sleeps). Calls listed in `failing` (1-based) throw once the gate opens.
 */
function gate(backend: FakeBackend, failing: readonly number[] = []) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const state = { calls: 0 };
  const generate = backend.generate.bind(backend);
  backend.generate = async function* (req: UpstreamGeneration, signal?: AbortSignal) {
    const call = (state.calls += 1);
    await opened;
    if (failing.includes(call)) throw new Error('upstream exploded');
    yield* generate(req, signal);
  };
  return { state, open };
}

/** The raw responses of the requests to come, in arrival order (a test emits 'close' to play a client leaving). */
function responses(g: Gateway): ServerResponse[] {
  const raws: ServerResponse[] = [];
  g.app.addHook('onRequest', (_request, reply, done) => {
    raws.push(reply.raw);
    done();
  });
  return raws;
}

/** Yields to the event loop until `cond` holds (bounded; no timers). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`gave up waiting for ${what}`);
}

const content = (body: string) =>
  (JSON.parse(body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
const streamed = (body: string) =>
  parseSse(body)
    .filter((f): f is { choices: { delta: { content?: string } }[] } => typeof f === 'object' && f !== null)
    .map((f) => f.choices[0]?.delta.content ?? '')
    .join('');

/** Sends `body` twice: the first leads (held at the gated backend), the second joins it; then the gate opens. */
async function leaderAndFollower(
  g: Gateway,
  body: ReturnType<typeof chat>,
  failing: readonly number[] = [],
): Promise<{
  a: Awaited<ReturnType<Gateway['app']['inject']>>;
  b: Awaited<ReturnType<Gateway['app']['inject']>>;
  calls: () => number;
}> {
  const { state, open } = gate(g.backends[0]!, failing);
  const first = g.app.inject(body);
  await until(() => state.calls === 1, 'the leader upstream');
  const second = g.app.inject(body);
  await until(() => g.coalescer?.stats().followers === 1, 'the follower to join');
  open();
  const [a, b] = await Promise.all([first, second]);
  return { a, b, calls: () => state.calls };
}

describe('gateway request coalescing', () => {
  it('sends two identical concurrent requests upstream once; the second is a hit on tier coalesced', async () => {
    const g = await gateway();
    const { a, b, calls } = await leaderAndFollower(g, chat('Who wrote Hamlet?'));
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(calls()).toBe(1);
    expect(g.backends[0]!.requests).toHaveLength(1);
    expect(a.headers['x-fairway-cache']).toBe('miss');
    expect(b.headers['x-fairway-cache']).toBe('hit');
    expect(b.headers['x-fairway-cache-tier']).toBe('coalesced');
    expect(b.headers['x-fairway-cache-category']).toBe('factual');
    expect(content(b.body)).toBe(content(a.body));
    expect(b.json<{ usage: unknown }>().usage).toEqual(a.json<{ usage: unknown }>().usage);
    expect(g.coalescer?.stats()).toEqual({ leaders: 0, followers: 0 });
    const metrics = await g.metrics.registry.getSingleMetricAsString('fairway_cache_coalesced_total');
    expect(metrics).toContain('fairway_cache_coalesced_total{category="factual",result="hit"} 1');
  });

  it('replays the leader answer to a streaming follower in the usual SSE chunk format', async () => {
    const g = await gateway();
    const { a, b, calls } = await leaderAndFollower(g, chat('Who painted the Mona Lisa?', { stream: true }));
    expect(calls()).toBe(1);
    expect(b.headers['x-fairway-cache-tier']).toBe('coalesced');
    expect(b.headers['content-type']).toContain('text/event-stream');
    expect(streamed(b.body)).toBe(streamed(a.body));
    expect(streamed(b.body).length).toBeGreaterThan(0);
    expect(parseSse(b.body).at(-1)).toBe('[DONE]');
  });

  it('never lets another tenant join: the same question from bob goes upstream on its own (0 leaks)', async () => {
    const g = await gateway();
    const { state, open } = gate(g.backends[0]!);
    const alice = g.app.inject(chat('Who wrote Hamlet?', { tenant: 'alice' }));
    await until(() => state.calls === 1, 'alice upstream');
    const bob = g.app.inject(chat('Who wrote Hamlet?', { tenant: 'bob' }));
    await until(() => state.calls === 2, 'bob upstream');
    expect(g.coalescer?.stats()).toEqual({ leaders: 2, followers: 0 });
    open();
    const [a, b] = await Promise.all([alice, bob]);
    expect(state.calls).toBe(2);
    for (const r of [a, b]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-fairway-cache']).toBe('miss');
    }
  });

  it('never makes an urgent request wait on a lower-priority leader: each class has its own flight', async () => {
    const g = await gateway();
    const { state, open } = gate(g.backends[0]!);
    const low = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => state.calls === 1, 'the class-0 request upstream');
    const urgent = g.app.inject(chat('Who wrote Hamlet?', { extra: { priority: 1 } }));
    await until(() => state.calls === 2, 'the class-1 request upstream');
    expect(g.coalescer?.stats()).toEqual({ leaders: 2, followers: 0 });
    open();
    for (const r of await Promise.all([low, urgent])) expect(r.headers['x-fairway-cache']).toBe('miss');
  });

  it('when the leader fails upstream, the follower still succeeds through its own upstream call', async () => {
    const g = await gateway();
    const { a, b, calls } = await leaderAndFollower(g, chat('Who wrote Hamlet?'), [1]);
    expect(a.statusCode).toBeGreaterThanOrEqual(500);
    expect(b.statusCode).toBe(200);
    expect(b.headers['x-fairway-cache']).toBe('miss');
    expect(content(b.body).length).toBeGreaterThan(0);
    expect(calls()).toBe(2);
    const metrics = await g.metrics.registry.getSingleMetricAsString('fairway_cache_coalesced_total');
    expect(metrics).toContain('fairway_cache_coalesced_total{category="factual",result="released"} 1');
  });

  it('a leader whose client goes away releases its follower, which then goes upstream itself', async () => {
    const g = await gateway();
    const raws = responses(g);
    const { state, open } = gate(g.backends[0]!);
    const gone = g.app.inject(chat('Who wrote Hamlet?')).catch((e: unknown) => e); // its client leaves
    await until(() => state.calls === 1, 'the leader upstream');
    const second = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => g.coalescer?.stats().followers === 1, 'the follower to join');
    raws[0]!.emit('close'); // the leader's client disconnects
    open();
    const b = await second;
    expect(b.statusCode).toBe(200);
    expect(b.headers['x-fairway-cache']).toBe('miss');
    expect(state.calls).toBe(2);
    expect(g.coalescer?.stats()).toEqual({ leaders: 0, followers: 0 });
    expect(await gone).toMatchObject({ code: 'LIGHT_ECONNRESET' });
  });

  it('a follower whose client goes away leaves the leader and the other followers alone', async () => {
    const g = await gateway();
    const raws = responses(g);
    const { state, open } = gate(g.backends[0]!);
    const first = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => state.calls === 1, 'the leader upstream');
    const gone = g.app.inject(chat('Who wrote Hamlet?')).catch((e: unknown) => e); // its client leaves
    await until(() => g.coalescer?.stats().followers === 1, 'the first follower to join');
    const stays = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => g.coalescer?.stats().followers === 2, 'the second follower to join');
    raws[1]!.emit('close');
    expect(g.coalescer?.stats()).toEqual({ leaders: 1, followers: 1 });
    open();
    const [a, c] = await Promise.all([first, stays]);
    expect(a.statusCode).toBe(200);
    expect(c.headers['x-fairway-cache-tier']).toBe('coalesced');
    expect(state.calls).toBe(1);
    expect(await gone).toMatchObject({ code: 'LIGHT_ECONNRESET' });
  });

  it('honours no-cache and the opt-out: such requests neither join nor lead', async () => {
    const g = await gateway();
    const { state, open } = gate(g.backends[0]!);
    const first = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => state.calls === 1, 'the leader upstream');
    const noCache = g.app.inject(chat('Who wrote Hamlet?', { headers: { 'cache-control': 'no-cache' } }));
    const optOut = g.app.inject(chat('Who wrote Hamlet?', { extra: { fairway_cache: false } }));
    await until(() => state.calls === 3, 'both to go upstream');
    expect(g.coalescer?.stats()).toEqual({ leaders: 1, followers: 0 });
    open();
    const rs = await Promise.all([first, noCache, optOut]);
    expect(rs.map((r) => r.headers['x-fairway-cache'])).toEqual(['miss', 'bypass', 'bypass']);
  });

  it('does not coalesce when cache.coalesce.enabled is false', async () => {
    const g = await gateway({ coalesce: { enabled: false } });
    expect(g.coalescer).toBeNull();
    const { state, open } = gate(g.backends[0]!);
    const first = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => state.calls === 1, 'the first upstream');
    const second = g.app.inject(chat('Who wrote Hamlet?'));
    await until(() => state.calls === 2, 'the second upstream');
    open();
    const [a, b] = await Promise.all([first, second]);
    expect([a.headers['x-fairway-cache'], b.headers['x-fairway-cache']]).toEqual(['miss', 'miss']);
  });
});
