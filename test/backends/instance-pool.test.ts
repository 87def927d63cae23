import { describe, expect, it } from 'vitest';
import { createInstancePool, type InstanceStatus, type PoolTimers } from '../../src/backends/instance-pool.js';
import { ManualClock } from '../../src/core/clock.js';
import { asInstanceId, type InstanceId } from '../../src/core/ids.js';
import type { BackendClient, InstanceMetrics } from '../../src/core/ports.js';

/** Timers on a ManualClock; `advance` fires due callbacks in time order and lets promises settle. */
class FakeTimers implements PoolTimers {
  readonly clock = new ManualClock(0);
  readonly #pending = new Map<number, { dueMs: number; callback: () => void }>();
  #nextId = 1;
  armedMax = 0;

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.#pending.set(id, { dueMs: this.clock.nowMs() + delayMs, callback });
    this.armedMax = Math.max(this.armedMax, this.#pending.size);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get armed(): number {
    return this.#pending.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.clock.nowMs() + ms;
    await flush();
    for (;;) {
      let next: [number, { dueMs: number; callback: () => void }] | undefined;
      for (const entry of this.#pending)
        if (entry[1].dueMs <= target && (!next || entry[1].dueMs < next[1].dueMs)) next = entry;
      if (next === undefined) break;
      this.#pending.delete(next[0]);
      if (next[1].dueMs > this.clock.nowMs()) this.clock.set(next[1].dueMs);
      next[1].callback();
      await flush();
    }
    this.clock.set(target);
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const METRICS: InstanceMetrics = {
  running: 1,
  waiting: 0,
  kvUsage: 0.5,
  preemptionsTotal: 0,
  prefixCacheQueriesTotal: 0,
  prefixCacheHitsTotal: 0,
  promptTokensTotal: 10,
  generationTokensTotal: 5,
};

class FakeClient implements BackendClient {
  readonly baseUrl = 'http://fake';
  mode: 'ok' | 'fail' | 'throw' | 'hang' = 'ok';
  healthCalls = 0;
  metricsCalls = 0;
  constructor(readonly id: InstanceId) {}
  generate(): AsyncIterable<never> {
    throw new Error('not used');
  }
  tokenize(): Promise<{ tokens: number[]; count: number }> {
    throw new Error('not used');
  }
  models() {
    return Promise.resolve([{ id: `model-${this.id}`, object: 'model' as const, created: 0, owned_by: 'vllm' }]);
  }
  metrics(signal?: AbortSignal): Promise<InstanceMetrics> {
    this.metricsCalls++;
    return this.#answer(METRICS, signal);
  }
  health(signal?: AbortSignal): Promise<boolean> {
    this.healthCalls++;
    if (this.mode === 'fail') return Promise.resolve(false);
    return this.#answer(true, signal);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  #answer<T>(value: T, signal?: AbortSignal): Promise<T> {
    if (this.mode === 'throw') return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.mode === 'hang') {
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    return Promise.resolve(value);
  }
}

function setup(count = 2, failuresBeforeDown = 2) {
  const timers = new FakeTimers();
  const clients = Array.from({ length: count }, (_, i) => new FakeClient(asInstanceId(`i${i}`)));
  const pool = createInstancePool({
    clients,
    healthIntervalMs: 1000,
    metricsIntervalMs: 50,
    failuresBeforeDown,
    pollTimeoutMs: 200,
    clock: timers.clock,
    timers,
  });
  const events: string[] = [];
  pool.onInstanceUp((s) => events.push(`up:${s.id}`));
  pool.onInstanceDown((s) => events.push(`down:${s.id}`));
  return { timers, clients, pool, events };
}

describe('instance pool', () => {
  it('marks every instance up after the first health check and learns its models', async () => {
    const { timers, pool, events } = setup();
    expect(pool.healthy()).toHaveLength(0);
    pool.start();
    await timers.advance(0);
    expect(events).toEqual(['up:i0', 'up:i1']);
    expect(pool.get(asInstanceId('i0'))?.models).toEqual(['model-i0']);
    expect(pool.healthy().map((s) => s.id)).toEqual(['i0', 'i1']);
    await pool.stop();
  });

  it('keeps at most one timer armed for all instances and both poll kinds', async () => {
    const { timers, pool, clients } = setup(5);
    pool.start();
    await timers.advance(2000);
    expect(timers.armedMax).toBe(1);
    expect(timers.armed).toBe(1);
    // Metrics every 50 ms and health every 1000 ms per instance over 2 s.
    expect(clients[0]!.metricsCalls).toBeGreaterThanOrEqual(40);
    expect(clients[0]!.metricsCalls).toBeLessThanOrEqual(41);
    expect(clients[0]!.healthCalls).toBe(3);
    await pool.stop();
    expect(timers.armed).toBe(0);
  });

  it('publishes scraped metrics with the scrape time', async () => {
    const { timers, pool } = setup(1);
    const seen: InstanceStatus[] = [];
    pool.onMetrics((s) => seen.push(s));
    pool.start();
    await timers.advance(120);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const status = pool.get(asInstanceId('i0'))!;
    expect(status.metrics).toEqual(METRICS);
    expect(status.metricsAtMs).toBe(100);
    await pool.stop();
  });

  it('marks an instance down only after N consecutive failed checks, and up after one success', async () => {
    const { timers, pool, clients, events } = setup(1, 3);
    pool.start();
    await timers.advance(0);
    clients[0]!.mode = 'fail';
    await timers.advance(1000);
    await timers.advance(1000);
    expect(pool.get(asInstanceId('i0'))!.consecutiveFailures).toBe(2);
    expect(events).toEqual(['up:i0']);
    await timers.advance(1000);
    expect(events).toEqual(['up:i0', 'down:i0']);
    expect(pool.healthy()).toHaveLength(0);
    clients[0]!.mode = 'ok';
    await timers.advance(1000);
    expect(events).toEqual(['up:i0', 'down:i0', 'up:i0']);
    expect(pool.get(asInstanceId('i0'))!.consecutiveFailures).toBe(0);
    await pool.stop();
  });

  it('stops scraping metrics of a down instance', async () => {
    const { timers, pool, clients } = setup(1, 1);
    pool.start();
    await timers.advance(0);
    clients[0]!.mode = 'throw';
    await timers.advance(1000);
    expect(pool.healthy()).toHaveLength(0);
    const before = clients[0]!.metricsCalls;
    await timers.advance(900);
    expect(clients[0]!.metricsCalls).toBe(before);
    await pool.stop();
  });

  it('counts a poll that exceeds the timeout as a failure', async () => {
    const { timers, pool, clients, events } = setup(1, 1);
    pool.start();
    await timers.advance(0);
    clients[0]!.mode = 'hang';
    await timers.advance(1000);
    expect(events).toEqual(['up:i0']);
    await timers.advance(200);
    expect(events).toEqual(['up:i0', 'down:i0']);
    expect(pool.get(asInstanceId('i0'))!.lastError).toContain('timed out');
    expect(timers.armedMax).toBe(1);
    await pool.stop();
  });

  it('counts request-path failures reported with markFailed', async () => {
    const { timers, pool, events } = setup(2, 2);
    pool.start();
    await timers.advance(0);
    pool.markFailed(asInstanceId('i1'), 'socket reset');
    expect(events).toEqual(['up:i0', 'up:i1']);
    pool.markFailed(asInstanceId('i1'), 'socket reset');
    expect(events).toEqual(['up:i0', 'up:i1', 'down:i1']);
    expect(pool.get(asInstanceId('i1'))!.lastError).toBe('socket reset');
    pool.markFailed(asInstanceId('nope'));
    await timers.advance(1000);
    expect(events.at(-1)).toBe('up:i1');
    await pool.stop();
  });

  it('aborts in-flight polls on stop and emits nothing afterwards', async () => {
    const { timers, pool, clients, events } = setup(1);
    clients[0]!.mode = 'hang';
    pool.start();
    await timers.advance(0);
    await pool.stop();
    await timers.advance(5000);
    expect(events).toEqual([]);
    expect(timers.armed).toBe(0);
  });

  it('rejects duplicate instance ids', () => {
    const a = new FakeClient(asInstanceId('x'));
    expect(() =>
      createInstancePool({
        clients: [a, a],
        healthIntervalMs: 1,
        metricsIntervalMs: 1,
        failuresBeforeDown: 1,
        pollTimeoutMs: 1,
      }),
    ).toThrow(/duplicate/);
  });
});
