import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { openSemanticCache } from '../../src/cache/semantic-cache-open.js';
import { finished, req } from './semantic-cache-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-cache-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SemanticCache on lmdb', () => {
  it('serves an entry stored before a restart (index rebuilt from snapshots and the store)', async () => {
    const config = resolveConfig({
      cache: { enabled: true, mechanism: { embedder: 'hash', dataDir: dir, tiers: { semantic: false } } },
    });
    const clock = new ManualClock(10_000);
    const first = await openSemanticCache(config.cache, { clock });
    const out = await first.lookup(req('Who wrote Hamlet?'));
    if (out.kind !== 'miss') throw new Error(`expected a miss, got ${out.kind}`);
    expect(await first.store(out.ticket, finished('Shakespeare'))).toMatchObject({ stored: true });
    await first.close();

    clock.advance(1_000);
    const second = await openSemanticCache(config.cache, { clock });
    try {
      const hit = await second.lookup(req('who wrote Hamlet'));
      expect(hit.kind).toBe('hit');
      if (hit.kind === 'hit') {
        // the exact tier lives in memory; after a restart the lexical tier serves the repeat
        expect(hit.tier).toBe('lexical');
        expect(hit.answer.responseText).toBe('Shakespeare');
      }
      expect((await second.stats()).categories.factual!.entries).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('keeps a live category override across a restart until it is reset to the config policy', async () => {
    const overrideDir = mkdtempSync(join(tmpdir(), 'fw-cache-override-'));
    try {
      const config = resolveConfig({
        cache: { enabled: true, mechanism: { embedder: 'hash', dataDir: overrideDir, tiers: { semantic: false } } },
      });
      const configured = config.cache.categories.factual!.similarity;
      const clock = new ManualClock(0);
      const first = await openSemanticCache(config.cache, { clock });
      const factual = first.policy.category('factual')!;
      expect(await first.updateCategory('factual', { ...factual, similarity: 0.61 })).toEqual([]);
      await first.close();

      const second = await openSemanticCache(config.cache, { clock });
      expect(second.policy.category('factual')!.similarity).toBe(0.61);
      expect(second.overrides()).toMatchObject({ durable: true, problems: [] });
      expect(Object.keys(second.overrides().categories)).toEqual(['factual']);
      expect(await second.resetCategory('factual')).toBe('restored');
      expect(second.policy.category('factual')!.similarity).toBe(configured);
      expect(await second.resetCategory('factual')).toBe('not-overridden');
      await second.close();

      const third = await openSemanticCache(config.cache, { clock });
      expect(third.policy.category('factual')!.similarity).toBe(configured);
      expect(third.overrides().categories).toEqual({});
      await third.close();
    } finally {
      rmSync(overrideDir, { recursive: true, force: true });
    }
  });

  it('starts with the config policy and reports why when the override file is corrupt or no longer valid', async () => {
    const overrideDir = mkdtempSync(join(tmpdir(), 'fw-cache-override-bad-'));
    try {
      const config = resolveConfig({
        cache: { enabled: true, mechanism: { embedder: 'hash', dataDir: overrideDir, tiers: { semantic: false } } },
      });
      const file = join(overrideDir, 'policy-overrides.json');
      const clock = new ManualClock(0);
      writeFileSync(file, '{"categories": {"fact');
      const corrupt = await openSemanticCache(config.cache, { clock });
      expect(corrupt.overrides().problems[0]).toMatch(/not JSON/);
      expect(corrupt.policy.category('factual')!.similarity).toBe(config.cache.categories.factual!.similarity);
      await corrupt.close();

      const factual = config.cache.categories.factual!;
      const setAt = '2026-01-01T00:00:00.000Z';
      writeFileSync(
        file,
        JSON.stringify({ categories: { factual: { config: { ...factual, similarity: 7 }, setAt }, code: 'x' } }),
      );
      const invalid = await openSemanticCache(config.cache, { clock });
      const problems = invalid.overrides().problems.join('\n');
      expect(problems).toMatch(/category code/);
      expect(problems).toMatch(/category factual: .*override ignored/);
      expect(invalid.policy.category('factual')!.similarity).toBe(factual.similarity);
      await invalid.close();
      expect(readFileSync(file, 'utf8')).toContain('"similarity":7'); // left for the operator to inspect
    } finally {
      rmSync(overrideDir, { recursive: true, force: true });
    }
  });
});
