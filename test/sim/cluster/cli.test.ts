import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCompareCommand, runSimulateCommand } from '../../../src/sim/cluster-cli.js';
import { isFairwayError } from '../../../src/errors.js';

const TRACE = fileURLToPath(new URL('../../../traces/synthetic-small.csv', import.meta.url));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('fairway simulate / compare', () => {
  it('simulate --json prints the report contract with sim_speedup', async () => {
    const c = io();
    const code = await runSimulateCommand(
      [
        '--trace',
        TRACE,
        '--instances',
        '2',
        '--preset',
        'llama2-7b-a10',
        '--policy',
        'vtc',
        '--max-requests',
        '80',
        '--json',
      ],
      c.io,
    );
    expect(code).toBe(0);
    const json = JSON.parse(c.out()) as Record<string, unknown>;
    expect(json['policy']).toBe('vtc');
    expect(json['requests']).toBe(80);
    expect(json['completed']).toBe(80);
    expect(typeof json['sim_speedup']).toBe('number');
    expect(c.err()).toMatch(/sim_speedup/);
  });

  it('compare --load runs every policy on the same scaled trace, one object per policy', async () => {
    const c = io();
    const code = await runCompareCommand(
      [
        '--trace',
        TRACE,
        '--instances',
        '2',
        '--preset',
        'llama2-7b-a10',
        '--policies',
        'rr,fairway',
        '--load',
        '0.8',
        '--max-requests',
        '60',
        '--json',
      ],
      c.io,
    );
    expect(code).toBe(0);
    const json = JSON.parse(c.out()) as { capacity_req_s: number; policies: Record<string, { requests: number }> };
    expect(Object.keys(json.policies)).toEqual(['rr', 'fairway']);
    expect(json.policies['rr']!.requests).toBe(60);
    expect(json.capacity_req_s).toBeGreaterThan(0);
  });

  it('prints a table without --json', async () => {
    const c = io();
    await runCompareCommand(['--trace', TRACE, '--policies', 'rr,least-loaded', '--max-requests', '30'], c.io);
    expect(c.out()).toMatch(/^policy\s+ttft p50/);
    expect(c.out()).toMatch(/\nleast-loaded\s/);
  });

  it('rejects an unknown policy as a usage error', async () => {
    const err = await runSimulateCommand(['--trace', TRACE, '--policy', 'magic'], io().io).catch((e: unknown) => e);
    expect(isFairwayError(err) && err.code === 'FW_ERR_CLI_USAGE').toBe(true);
  });
});
