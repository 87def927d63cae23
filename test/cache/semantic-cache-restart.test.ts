import { mkdtempSync, rmSync } from 'node:fs';
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
});
