import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/rng.js';
import { runTraceGenCommand } from '../../src/replay/cli.js';
import { boundedZipf, gamma } from '../../src/replay/distributions.js';
import { generateTrace, traceToCsv } from '../../src/replay/trace-gen.js';
import type { TraceGenOptions } from '../../src/replay/trace-gen.js';
import { loadTrace } from '../../src/replay/trace-loader.js';
import { parseTenantSpec } from '../../src/replay/trace-tenants.js';

const base: TraceGenOptions = {
  requests: 500,
  ratePerS: 10,
  cv: 3,
  prompt: { min: 16, max: 2048, exponent: 1.1 },
  output: { min: 8, max: 512, exponent: 1.1 },
  tenants: parseTenantSpec('a:2:0.7,b:1:0.3'),
  seed: 5,
};

function cvOf(xs: number[]): { mean: number; cv: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return { mean: m, cv: Math.sqrt(v) / m };
}

describe('trace generator', () => {
  it('gives byte-identical output for the same seed and different output for another', () => {
    expect(traceToCsv(generateTrace(base))).toBe(traceToCsv(generateTrace(base)));
    expect(traceToCsv(generateTrace({ ...base, seed: 6 }))).not.toBe(traceToCsv(generateTrace(base)));
  });

  it('keeps lengths within bounds and tenants within the spec', () => {
    const rows = generateTrace(base);
    expect(rows.every((r) => r.promptTokens >= 16 && r.promptTokens <= 2048)).toBe(true);
    expect(rows.every((r) => r.outputTokens >= 8 && r.outputTokens <= 512)).toBe(true);
    expect(new Set(rows.map((r) => r.tenant))).toEqual(new Set(['a', 'b']));
    expect(rows.filter((r) => r.tenant === 'a').every((r) => r.weight === 2)).toBe(true);
  });

  it.each([
    [1, 1],
    [4, 3],
    [0.2, 0.5],
  ])('Gamma(shape %d) samples have mean shape x scale and CV 1/sqrt(shape) (20k draws)', (shape, scale) => {
    const rng = new SeededRng(11);
    const xs = Array.from({ length: 20_000 }, () => gamma(rng, shape, scale));
    const { mean, cv } = cvOf(xs);
    expect(mean / (shape * scale)).toBeGreaterThan(0.95);
    expect(mean / (shape * scale)).toBeLessThan(1.05);
    expect(cv * Math.sqrt(shape)).toBeGreaterThan(0.93);
    expect(cv * Math.sqrt(shape)).toBeLessThan(1.07);
  });

  it('bounded Zipf(1) puts P(min) = 1/H_n on the smallest value', () => {
    const draw = boundedZipf(new SeededRng(3), 1, 10, 1);
    const harmonic = Array.from({ length: 10 }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
    const xs = Array.from({ length: 20_000 }, draw);
    expect(xs.filter((x) => x === 1).length / xs.length).toBeCloseTo(1 / harmonic, 1);
    expect(Math.min(...xs)).toBe(1);
    expect(Math.max(...xs)).toBe(10);
  });

  it('writes the generic CSV that the loader reads back with tenants, weights and priorities', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-gen-'));
    const path = join(dir, 't.csv');
    const rows = generateTrace({ ...base, highPriorityShare: 0.5 });
    writeFileSync(path, traceToCsv(rows));
    const t = await loadTrace(path);
    expect(t.format).toBe('csv');
    expect(t.requests).toHaveLength(rows.length);
    expect(t.requests.map((r) => [r.tenant, r.weight, r.priority, r.promptTokens, r.outputTokens])).toEqual(
      rows.map((r) => [r.tenant, r.weight, r.priority, r.promptTokens, r.outputTokens]),
    );
    expect(t.requests.map((r) => r.arrivalMs)).toEqual(rows.map((r) => r.arrivalMs));
  });

  it('the committed traces/synthetic-small.csv is what its documented command generates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-gen-'));
    const out = join(dir, 'small.csv');
    const argv =
      '--requests 300 --rate 4 --cv 2 --prompt 16:1024:1.1 --output 8:256:1.1 --tenants a:2:0.5,b:1:0.3,c:1:0.2 --high-priority-share 0.1 --seed 42';
    const code = await runTraceGenCommand([...argv.split(' '), '--out', out], {
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    const committed = readFileSync(new URL('../../traces/synthetic-small.csv', import.meta.url), 'utf8');
    expect(readFileSync(out, 'utf8')).toBe(committed);
  });

  it('rejects bad CLI values with a usage error', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    await expect(runTraceGenCommand(['--rate', '-1'], io)).rejects.toThrow(/--rate/);
    await expect(runTraceGenCommand(['--prompt', '10:5'], io)).rejects.toThrow(/--prompt/);
  });
});
