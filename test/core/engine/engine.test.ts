import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/core/engine/engine.js';
import { ENGINE_PRESETS } from '../../../src/core/engine/presets.js';
import type { EngineRequest, StepResult } from '../../../src/core/engine/types.js';
import { ManualClock } from '../../../src/core/clock.js';

function prompt(len: number, salt = 0): number[] {
  return Array.from({ length: len }, (_, i) => 262 + ((i * 7 + salt * 131) % 30_000));
}

function req(id: string, len: number, maxTokens: number, extra: Partial<EngineRequest> = {}): EngineRequest {
  return { id, promptTokenIds: prompt(len, extra.priority ?? id.length), maxTokens, ignoreEos: true, ...extra };
}

/** Steps until idle, advancing a manual clock; returns every step result. */
function drain(engine: Engine, clock: ManualClock, maxSteps = 100_000): StepResult[] {
  const steps: StepResult[] = [];
  while (engine.hasWork() && steps.length < maxSteps) {
    const r = engine.step();
    clock.advance(r.durationMs);
    steps.push(r);
  }
  return steps;
}

describe('Engine', () => {
  it('gives a 1024-token prompt on an idle llama3-8b-a100 a TTFT equal to the preset formula', () => {
    const engine = new Engine({ preset: 'llama3-8b-a100' });
    const clock = new ManualClock();
    engine.add(req('a', 1024, 4));
    const first = engine.step();
    clock.advance(first.durationMs);
    const k = ENGINE_PRESETS['llama3-8b-a100']!.stepTime;
    expect(first.outputs.map((o) => o.id)).toEqual(['a']);
    expect(clock.nowMs()).toBeCloseTo(k.aMs + k.bMsPerPrefillToken * 1024, 9);
    expect(clock.nowMs()).toBeCloseTo(65.43, 1);
    const second = engine.step();
    expect(second.durationMs).toBeCloseTo(k.aMs + k.eMsPerDecodeSeq, 9);
  });

  it('chunks a prefill longer than the token budget over several steps', () => {
    const engine = new Engine({ preset: 'zero-cost', maxNumBatchedTokens: 512 });
    engine.add(req('a', 1300, 2));
    const steps = [engine.step(), engine.step(), engine.step()];
    expect(steps.map((s) => s.prefillTokens)).toEqual([512, 512, 276]);
    expect(steps.map((s) => s.outputs.length)).toEqual([0, 0, 1]);
  });

  it('never exceeds the token budget or the sequence cap', () => {
    const engine = new Engine({ preset: 'zero-cost', maxNumBatchedTokens: 300, maxNumSeqs: 5 });
    for (let i = 0; i < 40; i++) engine.add(req(`r${i}`, 20 + ((i * 37) % 200), 5 + (i % 9)));
    let finished = 0;
    for (const s of drain(engine, new ManualClock())) {
      const total = s.scheduled.reduce((n, c) => n + c.numTokens, 0);
      expect(total).toBeLessThanOrEqual(300);
      expect(s.scheduled.length).toBeLessThanOrEqual(5);
      expect(engine.stats().running).toBeLessThanOrEqual(5);
      finished += s.outputs.filter((o) => o.finishReason !== null).length;
    }
    expect(finished).toBe(40);
  });

  it('preempts under KV pressure, counts it and still finishes every request with its full output', () => {
    const engine = new Engine({ preset: 'llama2-7b-a10', kvTokens: 1024 });
    for (let i = 0; i < 6; i++) engine.add(req(`r${i}`, 100, 200));
    const tokens = new Map<string, number>();
    const steps = drain(engine, new ManualClock());
    for (const s of steps) for (const o of s.outputs) tokens.set(o.id, o.numGenerated);
    expect(engine.stats().counters.preemptions).toBeGreaterThan(0);
    expect(steps.some((s) => s.preempted.length > 0)).toBe(true);
    expect([...tokens.values()]).toEqual([200, 200, 200, 200, 200, 200]);
    expect(engine.stats().counters.recomputedTokens).toBeGreaterThan(0);
  });

  it('preempts the newest running request under FCFS', () => {
    const engine = new Engine({ preset: 'zero-cost', kvTokens: 256 });
    engine.add(req('old', 60, 200));
    engine.add(req('new', 60, 200));
    const steps = drain(engine, new ManualClock());
    const first = steps.find((s) => s.preempted.length > 0);
    expect(first?.preempted[0]).toBe('new');
  });

  it('preempts the worst (priority, arrival) under the priority policy', () => {
    const engine = new Engine({ preset: 'zero-cost', kvTokens: 256, policy: 'priority' });
    engine.add(req('low', 60, 200, { priority: 5 }));
    engine.add(req('high', 60, 200, { priority: -1 }));
    const steps = drain(engine, new ManualClock());
    const first = steps.find((s) => s.preempted.length > 0);
    expect(first?.preempted[0]).toBe('low');
  });

  it('hits the prefix cache in whole blocks when a prompt is sent again', () => {
    const engine = new Engine({ preset: 'llama3-8b-a100' });
    const clock = new ManualClock();
    const p = prompt(200);
    engine.add({ id: 'a', promptTokenIds: p, maxTokens: 3, ignoreEos: true });
    drain(engine, clock);
    expect(engine.stats().counters.prefixCacheHitsTokens).toBe(0);
    engine.add({ id: 'b', promptTokenIds: p, maxTokens: 3, ignoreEos: true });
    const r = engine.step();
    expect(engine.stats().counters.prefixCacheHitsTokens).toBe(192);
    expect(engine.stats().counters.prefixCacheQueriesTokens).toBe(400);
    expect(r.prefillTokens).toBe(8);
  });

  it('frees all blocks of an aborted request at once', () => {
    const engine = new Engine({ preset: 'zero-cost' });
    engine.add(req('a', 500, 100));
    engine.step();
    expect(engine.stats().usedBlocks).toBe(32);
    expect(engine.abort('a')).toBe(true);
    expect(engine.stats().usedBlocks).toBe(0);
    expect(engine.stats().kvUsage).toBe(0);
    expect(engine.hasWork()).toBe(false);
    expect(engine.abort('a')).toBe(false);
  });

  it('orders the waiting queue by priority under the priority policy', () => {
    const engine = new Engine({ preset: 'zero-cost', maxNumSeqs: 1, policy: 'priority' });
    engine.add(req('b', 10, 1, { priority: 3 }));
    engine.add(req('a', 10, 1, { priority: 1 }));
    const order = drain(engine, new ManualClock()).flatMap((s) => s.outputs.map((o) => o.id));
    expect(order).toEqual(['a', 'b']);
  });

  it('respects max_tokens, min_tokens, stop strings and stop token ids', () => {
    const run = (extra: Partial<EngineRequest>): { ids: number[]; last: StepResult['outputs'][number] } => {
      const engine = new Engine({ preset: 'zero-cost' });
      engine.add({ id: 'x', promptTokenIds: prompt(10), maxTokens: 50, ...extra });
      const outs = drain(engine, new ManualClock()).flatMap((s) => s.outputs);
      return { ids: outs.map((o) => o.tokenId), last: outs[outs.length - 1]! };
    };
    const base = run({ ignoreEos: true });
    expect(base.ids).toHaveLength(50);
    expect(base.last.finishReason).toBe('length');
    const stopId = base.ids[5]!;
    const byId = run({ ignoreEos: true, stopTokenIds: [stopId] });
    expect(byId.last).toMatchObject({ finishReason: 'stop', stopReason: stopId });
    expect(byId.ids).toEqual(base.ids.slice(0, base.ids.indexOf(stopId) + 1));
    const withMin = run({ ignoreEos: true, stopTokenIds: [stopId], minTokens: 40 });
    expect(withMin.ids.length).toBeGreaterThan(39);
  });

  it('reports the stop string and where it starts in the generated text', async () => {
    const { decode } = await import('../../../src/core/engine/tokenizer.js');
    const engine = new Engine({ preset: 'zero-cost' });
    engine.add({ id: 'x', promptTokenIds: prompt(10), maxTokens: 30, ignoreEos: true });
    const ids = drain(engine, new ManualClock()).flatMap((s) => s.outputs.map((o) => o.tokenId));
    const text = decode(ids, { skipSpecialTokens: true });
    const stop = text.slice(20, 24);
    const engine2 = new Engine({ preset: 'zero-cost' });
    engine2.add({ id: 'x', promptTokenIds: prompt(10), maxTokens: 30, ignoreEos: true, stop: [stop] });
    const outs = drain(engine2, new ManualClock()).flatMap((s) => s.outputs);
    const last = outs[outs.length - 1]!;
    expect(last.finishReason).toBe('stop');
    expect(last.stopReason).toBe(stop);
    expect(last.stopTextOffset).toBe(text.indexOf(stop));
  });

  it('rejects duplicate ids and prompts that cannot fit the model length', () => {
    const engine = new Engine({ preset: 'zero-cost', maxModelLen: 100 });
    expect(engine.add(req('a', 10, 5))).toEqual({ ok: true });
    expect(engine.add(req('a', 10, 5))).toEqual({ ok: false, reason: 'duplicate-id' });
    expect(engine.add(req('b', 100, 5))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('gives the same outputs for the same inputs and seed', () => {
    const run = (): number[] => {
      const engine = new Engine({ preset: 'llama2-7b-a10', kvTokens: 800, seed: 9 });
      for (let i = 0; i < 5; i++) engine.add(req(`r${i}`, 90, 60, { ignoreEos: false, temperature: 0.7 }));
      return drain(engine, new ManualClock()).flatMap((s) => s.outputs.map((o) => o.tokenId));
    };
    expect(run()).toEqual(run());
  });
});
