import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { asRequestId, asTenantId } from '../../src/core/ids.js';
import { Dispatcher } from '../../src/gateway/dispatcher.js';
import { runGeneration, type GenerationDeps } from '../../src/gateway/generation.js';
import { FairwayError } from '../../src/errors.js';
import { FakeBackend, MODEL, ScriptedScheduler } from './fakes.js';

function setup() {
  const scheduler = new ScriptedScheduler(() => []); // never dispatches: the request stays queued
  const dispatcher = new Dispatcher({ scheduler, clock: new ManualClock(), tickIntervalMs: 50 });
  const backend = new FakeBackend({ id: 'a' });
  const deps: GenerationDeps = {
    dispatcher,
    client: () => backend,
    classify: () => ({ error: new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail: 'x' }), retryable: false }),
    instanceFailed: () => undefined,
    forwardPriority: false,
    maxInterruptions: 3,
    log: { warn: () => undefined },
  };
  const id = asRequestId('r1');
  const job = {
    id,
    kind: 'chat' as const,
    body: { model: MODEL, messages: [{ role: 'user', content: 'x' }] },
    maxTokens: 4,
    clientStreams: true,
    sched: {
      id,
      tenant: asTenantId('t'),
      priority: 0,
      model: MODEL,
      promptTokens: 1,
      maxTokens: 4,
      preemptible: true,
    },
  };
  const sink = { start: () => undefined, delta: () => undefined };
  return { scheduler, dispatcher, deps, job, sink };
}

describe('runGeneration', () => {
  it('cancels a queued request in the scheduler when the client leaves before it is dispatched', async () => {
    const { scheduler, dispatcher, deps, job, sink } = setup();
    const controller = new AbortController();
    const run = runGeneration(job, deps, sink, controller.signal);
    expect(dispatcher.waitingCount).toBe(1);
    controller.abort(new Error('client closed the connection'));
    await expect(run).rejects.toThrow('client closed the connection');
    expect(scheduler.events.map((e) => e.type)).toEqual(['arrive', 'cancelled']);
    expect(dispatcher.waitingCount).toBe(0);
  });

  it('cancels at once when the client is already gone', async () => {
    const { scheduler, deps, job, sink } = setup();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(runGeneration(job, deps, sink, controller.signal)).rejects.toThrow('gone');
    expect(scheduler.events.map((e) => e.type)).toEqual(['arrive', 'cancelled']);
  });
});
