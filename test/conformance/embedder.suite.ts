/**
 * Shared conformance suite for Embedder implementations (use, http, hash): dimensions, unit norm,
 * determinism, batch equals single, and a paraphrase scoring closer than an unrelated sentence.
 */
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/cache/embedders/embedder.js';

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export const PARAPHRASE_TRIPLES: readonly (readonly [anchor: string, paraphrase: string, unrelated: string])[] = [
  [
    'How do I reverse a list in Python?',
    'How can I reverse a Python list?',
    'What time does the bakery open on Sunday?',
  ],
  [
    'What is the capital city of France?',
    'Which city is the capital of France?',
    'My laptop battery drains very quickly.',
  ],
  [
    'How many calories are in an apple?',
    'How many calories does an apple have?',
    'Explain the rules of chess castling.',
  ],
];

export interface EmbedderSuiteOptions {
  /** Tolerance on |batch - single| per component (tfjs kernels may differ by batch size). */
  readonly batchTolerance?: number;
}

export function embedderSuite(name: string, get: () => Embedder, options: EmbedderSuiteOptions = {}): void {
  const tolerance = options.batchTolerance ?? 1e-5;
  describe(`Embedder conformance: ${name}`, () => {
    it('returns one vector of the declared dimensions per text, in order', async () => {
      const e = get();
      const texts = ['first sentence', 'a second, longer sentence about databases', 'third'];
      const vectors = await e.embed(texts);
      expect(vectors).toHaveLength(3);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(e.dims);
      }
      expect(await e.embed([])).toEqual([]);
    });

    it('returns unit-norm vectors', async () => {
      for (const v of await get().embed([
        'Hello there, general Kenobi',
        'x',
        'Quarterly revenue grew 12% year over year',
      ])) {
        expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 4);
      }
    });

    it('is deterministic for the same text', async () => {
      const e = get();
      const [a] = await e.embed(['determinism check: same input, same output']);
      const [b] = await e.embed(['determinism check: same input, same output']);
      expect(dot(a!, b!)).toBeCloseTo(1, 5);
      for (let i = 0; i < a!.length; i++) expect(Math.abs(a![i]! - b![i]!)).toBeLessThanOrEqual(1e-6);
    });

    it('embeds a text the same in a batch as alone', async () => {
      const e = get();
      const texts = ['alpha beta gamma', 'How do I sort a dictionary by value?', 'zebra'];
      const batch = await e.embed(texts);
      for (const [i, text] of texts.entries()) {
        const [single] = await e.embed([text]);
        let maxDiff = 0;
        for (let d = 0; d < single!.length; d++) maxDiff = Math.max(maxDiff, Math.abs(single![d]! - batch[i]![d]!));
        expect(maxDiff).toBeLessThanOrEqual(tolerance);
      }
    });

    it('scores a paraphrase closer than an unrelated sentence', async () => {
      const e = get();
      for (const [anchor, paraphrase, unrelated] of PARAPHRASE_TRIPLES) {
        const [a, p, u] = await e.embed([anchor, paraphrase, unrelated]);
        expect(dot(a!, p!)).toBeGreaterThan(dot(a!, u!));
      }
    });
  });
}
