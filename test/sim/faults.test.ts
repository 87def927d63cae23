/* eslint-disable @typescript-eslint/no-explicit-any -- tests inspect parsed JSON response bodies structurally */
import { describe, expect, it } from 'vitest';
import { startSimServer } from '../../src/sim/server.js';
import { postJson } from './helpers.js';

describe('simulator fault injection', () => {
  it('reads and updates fault settings through /sim/faults and rejects unknown keys', async () => {
    const sim = await startSimServer({ preset: 'zero-cost', faults: { stallMs: 5 } });
    try {
      const got: any = await (await fetch(`${sim.url}/sim/faults`)).json();
      expect(got).toMatchObject({ stallMs: 5, errorRate: 0, crashAfterTokens: null });
      const set = await postJson(`${sim.url}/sim/faults`, { errorRate: 0.5, seed: 3 });
      expect(set.json).toMatchObject({ stallMs: 5, errorRate: 0.5, seed: 3 });
      const bad = await postJson(`${sim.url}/sim/faults`, { explode: true });
      expect(bad.status).toBe(400);
    } finally {
      await sim.close();
    }
  });

  it('answers generation requests with a vLLM-shaped 500 at errorRate 1 and none at 0', async () => {
    const sim = await startSimServer({ preset: 'zero-cost', faults: { errorRate: 1 } });
    try {
      const r = await postJson(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 2 });
      expect(r.status).toBe(500);
      expect(r.json.error).toMatchObject({ type: 'InternalServerError', code: 500 });
      sim.setFaults({ errorRate: 0 });
      expect((await postJson(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 2 })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('fails about errorRate of the requests, reproducibly for a seed', async () => {
    const outcomes = async (): Promise<number[]> => {
      const sim = await startSimServer({ preset: 'zero-cost', faults: { errorRate: 0.5, seed: 11 } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++) {
          statuses.push((await postJson(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 1 })).status);
        }
        return statuses;
      } finally {
        await sim.close();
      }
    };
    const a = await outcomes();
    expect(a).toEqual(await outcomes());
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
  });

  it('crashes after N generated tokens: open streams break and new connections are refused', async () => {
    const sim = await startSimServer({ preset: 'zero-cost', faults: { crashAfterTokens: 50 } });
    const res = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', max_tokens: 1000, ignore_eos: true, stream: true }),
    });
    await expect(res.text()).rejects.toThrow();
    expect(sim.crashed).toBe(true);
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    await sim.close(); // resolves even though the crash already closed the listener
    await sim.close();
  });

  it('stalls a stream for stallMs after every stallEveryTokens tokens', async () => {
    const sim = await startSimServer({ preset: 'zero-cost', faults: { stallMs: 150, stallEveryTokens: 4 } });
    try {
      const started = performance.now();
      const res = await fetch(`${sim.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x', max_tokens: 10, ignore_eos: true, stream: true }),
      });
      const text = await res.text();
      const elapsed = performance.now() - started;
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      await sim.close();
    }
  });
});
