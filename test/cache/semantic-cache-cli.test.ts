import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCacheCommand } from '../../src/cache/cli.js';
import { DEFAULT_CATEGORIES } from '../../src/core/cache/defaults.js';

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
    const report = JSON.parse(out) as {
      minRecall: number | null;
      categories: Record<string, { curve: unknown[]; configured: number; band: number | null }>;
    };
    expect(report.categories.code!.curve.length).toBeGreaterThan(5);
    expect(report.categories.code!.configured).toBe(DEFAULT_CATEGORIES.code!.similarity);
    expect(report.minRecall).toBeNull();
    expect(report.categories.code!.band).toBeNull();
  });

  it('calibrate with --min-recall also picks a threshold inside the band meeting both goals', async () => {
    const topics = ['sort a list', 'read a file', 'parse JSON', 'open a socket', 'zip two lists', 'copy a dict'];
    const many = [
      ...topics.flatMap((t) => [
        { a: `How do I ${t} in Python`, b: `How do I ${t}, in Python?`, label: 1, category: 'code' },
        { a: `How to ${t} in Python`, b: `how to ${t} in python`, label: 1, category: 'code' },
      ]),
      ...topics.map((t) => ({
        a: `How do I ${t} in Python 2`,
        b: `How do I ${t} in Python 3`,
        label: 0,
        category: 'code',
      })),
    ];
    const bandFile = join(dir, 'band.jsonl');
    writeFileSync(bandFile, many.map((p) => JSON.stringify(p)).join('\n'));
    const { code, out } = await run([
      'calibrate',
      '--pairs',
      bandFile,
      '--embedder',
      'hash',
      '--target-precision',
      '0.9',
      '--min-recall',
      '0.5',
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      minRecall: number | null;
      categories: Record<
        string,
        {
          recommended: number | null;
          band: number | null;
          curve: { threshold: number; precision: number; recall: number }[];
        }
      >;
    };
    expect(report.minRecall).toBe(0.5);
    // the version pairs are vetoed by the numbers guard, the reworded ones score high on the lexical tier
    const c = report.categories.code!;
    expect(c.recommended).not.toBeNull();
    expect(c.band).not.toBeNull();
    expect(c.band!).toBeGreaterThanOrEqual(c.recommended!);
    const below = c.curve.filter((p) => p.threshold <= c.band!).at(-1)!;
    expect(below.precision).toBeGreaterThanOrEqual(0.9);
    expect(below.recall).toBeGreaterThanOrEqual(0.5);
  });

  it('rejects a recall goal outside [0, 1] as a usage error', async () => {
    await expect(
      run(['calibrate', '--pairs', file, '--embedder', 'hash', '--target-precision', '0.9', '--min-recall', '2']),
    ).rejects.toThrow(/min-recall/);
  });

  it('rejects a missing target precision as a usage error', async () => {
    await expect(run(['calibrate', '--pairs', file, '--embedder', 'hash'])).rejects.toThrow(/target-precision/);
  });
});
