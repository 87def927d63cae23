import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../../src/core/engine/engine.js';
import { VOCAB_SIZE } from '../../../src/core/engine/tokenizer.js';
import type { EngineRequest } from '../../../src/core/engine/types.js';

function generate(req: EngineRequest, seed: number): { ids: number[]; finish: string | null } {
  const engine = new Engine({ preset: 'zero-cost', seed });
  expect(engine.add(req)).toEqual({ ok: true });
  const ids: number[] = [];
  let finish: string | null = null;
  while (engine.hasWork()) {
    for (const o of engine.step().outputs) {
      ids.push(o.tokenId);
      finish = o.finishReason;
    }
  }
  return { ids, finish };
}

describe('greedy continuation', () => {
  it('continuing prompt + first k tokens with budgets reduced by k yields exactly the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: VOCAB_SIZE - 1 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (promptIds, maxTokens, minTokens, ignoreEos, seed, splitAt) => {
          const base: EngineRequest = { id: 'full', promptTokenIds: promptIds, maxTokens, minTokens, ignoreEos };
          const full = generate(base, seed);
          const k = Math.floor(splitAt * (full.ids.length - 1));
          if (k === 0) return;
          const rest = generate(
            {
              id: 'cont',
              promptTokenIds: [...promptIds, ...full.ids.slice(0, k)],
              maxTokens: maxTokens - k,
              minTokens: Math.max(0, minTokens - k),
              ignoreEos,
            },
            seed,
          );
          expect(rest.ids).toEqual(full.ids.slice(k));
          expect(rest.finish).toBe(full.finish);
        },
      ),
      { numRuns: 200 },
    );
  });
});
