import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCacheCommand } from '../../src/cache/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-cache-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pairs = [
  { a: 'Who wrote Hamlet?', b: 'who wrote hamlet', label: 1, category: 'factual' },
  { a: 'How do I reverse a list in Python', b: 'How do I reverse a list, in Python?', label: 1, category: 'code' },
  { a: 'What is 15 percent of 240?', b: 'What is 15 percent of 250?', label: 0, category: 'math' },
  {
    a: 'Can a Python script call a C library?',
    b: 'Can a C library call a Python script?',
    label: 0,
    category: 'code',
  },
];

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await runCacheCommand(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('fairway cache eval / calibrate', () => {
  const file = join(dir, 'pairs.jsonl');
  writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n'));

  it('eval stores a, looks up b and reports precision, recall, false-hit rate and hits per category', async () => {
    const { code, out } = await run(['eval', '--pairs', file, '--embedder', 'hash', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      overall: { precision: number; recall: number; false_hit_rate: number; hits: number };
      categories: Record<string, { hits: number; false_hit_rate: number }>;
    };
    expect(report.overall.hits).toBe(2);
    expect(report.overall.precision).toBe(1);
    expect(report.overall.recall).toBe(1);
    expect(report.overall.false_hit_rate).toBe(0);
    expect(report.categories.math).toMatchObject({ hits: 0, false_hit_rate: 0 });
    expect(Object.keys(report.categories).sort()).toEqual(['code', 'factual', 'math']);
  });

  it('calibrate prints a curve and a recommended threshold per category', async () => {
    const { code, out } = await run([
      'calibrate',
      '--pairs',
      file,
      '--embedder',
      'hash',
      '--target-precision',
      '0.9',
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { categories: Record<string, { curve: unknown[]; configured: number }> };
    expect(report.categories.code!.curve.length).toBeGreaterThan(5);
    expect(report.categories.code!.configured).toBe(0.93);
  });

  it('rejects a missing target precision as a usage error', async () => {
    await expect(run(['calibrate', '--pairs', file, '--embedder', 'hash'])).rejects.toThrow(/target-precision/);
  });
});
