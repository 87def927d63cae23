/**
 * One conformance suite for the hash embedder and vector kernels, run against the C++ addon and
 * the TypeScript fallback; plus bitwise parity between the two and against a naive oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fallbackImpl, nativeImpl, nativeLoadError } from '../../native/index.js';
import type { HashKernels } from '../../native/index.js';
import { referenceEmbed } from './reference-embedder.js';

if (nativeImpl === null) {
  console.warn(`[test/native] native addon runs skipped: not loaded (${nativeLoadError}); run npm run native:build`);
}

const implementations: [string, HashKernels | null][] = [
  ['fallback', fallbackImpl],
  ['native', nativeImpl],
];

/** Strings of every shape the embedder must handle, including lone surrogates and emoji. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc
    .array(fc.constantFrom('the', 'Cat', 'straße', 'ＡＢＣ', 'ﬁle', '🍕', '👩‍💻', '日本語', 'x²', '-', ' ', ', '), {
      maxLength: 30,
    })
    .map((parts) => parts.join(' ')),
);

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function bruteForceTopK(impl: HashKernels, query: Float32Array, matrix: Float32Array, n: number, k: number) {
  const dims = query.length;
  const rows = Array.from({ length: n }, (_, i) => ({
    i,
    s: impl.dot(query, matrix.subarray(i * dims, (i + 1) * dims)),
  }));
  const key = (s: number): number => (Number.isNaN(s) ? -Infinity : s);
  rows.sort((a, b) => (key(a.s) !== key(b.s) ? key(b.s) - key(a.s) : a.i - b.i));
  const best = rows.slice(0, Math.max(0, Math.min(k, n)));
  return { indices: best.map((r) => r.i), scores: best.map((r) => Math.fround(r.s)) };
}

describe.each(implementations)('hash kernels (%s)', (name, maybeImpl) => {
  const impl = maybeImpl!;
  const run = maybeImpl === null ? it.skip : it;

  run('reproduces the golden components of fixed strings', () => {
    const hello = impl.hashEmbed('Hello, World!', 512);
    expect(hello.filter((x) => x !== 0).length).toBe(21);
    expect([hello[16], hello[33], hello[42], hello[71], hello[116]]).toEqual([
      0.18257418274879456, -0.18257418274879456, 0.3651483654975891, -0.18257418274879456, 0.3651483654975891,
    ]);
    // "a" has exactly two features: w:a (+1 at 71) and 3:#a# (-0.5 at 25), normalized by sqrt(1.25).
    const a = impl.hashEmbed('a', 512);
    expect(a.filter((x) => x !== 0).length).toBe(2);
    expect(a[71]).toBe(Math.fround(1 / Math.sqrt(1.25)));
    expect(a[25]).toBe(Math.fround(-0.5 / Math.sqrt(1.25)));
    // NFKC + lowercase: the ligature and fullwidth forms fold before hashing.
    expect(bits(impl.hashEmbed('STRAßE ＦＩＬＥ'))).toEqual(bits(impl.hashEmbed('straße ﬁle')));
  });

  run('hashes with MurmurHash3 x86_32 (published test vectors)', () => {
    const enc = new TextEncoder();
    expect(impl.murmur3(new Uint8Array(0), 0)).toBe(0);
    expect(impl.murmur3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(impl.murmur3(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(impl.murmur3(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(impl.murmur3(enc.encode('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(impl.murmur3(enc.encode('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(impl.murmur3(enc.encode('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
    expect(impl.murmur3(enc.encode('w:a'), 0x66776179)).toBe(798170183);
  });

  run('matches the naive reference embedder bit for bit', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 700 }), (text, dims) => {
        expect(bits(impl.hashEmbed(text, dims))).toEqual(bits(referenceEmbed(text, dims, impl.murmur3)));
      }),
      { numRuns: 300 },
    );
  });

  run('returns unit vectors, or zeros when the text has no words', () => {
    expect(impl.hashEmbed('', 256).every((x) => x === 0)).toBe(true);
    expect(impl.hashEmbed(' ,.!? — 、。 \u3000', 256).every((x) => x === 0)).toBe(true);
    fc.assert(
      fc.property(anyText, (text) => {
        const v = impl.hashEmbed(text);
        expect(v.length).toBe(512);
        const norm = impl.dot(v, v);
        if (norm !== 0) expect(Math.abs(norm - 1)).toBeLessThan(1e-6);
      }),
      { numRuns: 200 },
    );
  });

  run('scores near-duplicates above unrelated text', () => {
    const cases: [string, string, string][] = [
      ['How do I learn Python quickly?', 'how can I learn python quickly', 'What is the capital of France?'],
      ['Best pizza recipe with mozzarella', 'best pizza recipes with mozzarella cheese', 'Fix a flat bicycle tire'],
      ['Explain the theory of relativity', 'Explain the theory of relativty', 'Recommend a good thriller novel'],
      ['東京の天気は？', '東京の天気は', 'Python list comprehension'],
    ];
    for (const [a, near, far] of cases) {
      const va = impl.hashEmbed(a);
      expect(impl.dot(va, impl.hashEmbed(near))).toBeGreaterThan(0.5);
      expect(impl.dot(va, impl.hashEmbed(near))).toBeGreaterThan(impl.dot(va, impl.hashEmbed(far)) + 0.3);
    }
  });

  run('embeds batches row by row', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (texts, dims) => {
        const batch = impl.hashEmbedBatch(texts, dims);
        expect(batch.length).toBe(texts.length * dims);
        texts.forEach((t, i) =>
          expect(bits(batch.subarray(i * dims, (i + 1) * dims))).toEqual(bits(impl.hashEmbed(t, dims))),
        );
      }),
      { numRuns: 100 },
    );
  });

  run('embeds long text', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i % 997}ß${i % 13}`);
    const v = impl.hashEmbed(words.join(' '), 512);
    expect(Math.abs(impl.dot(v, v) - 1)).toBeLessThan(1e-6);
    expect(bits(v)).toEqual(bits(referenceEmbed(words.join(' '), 512, impl.murmur3)));
  });

  run('topK agrees with a brute-force sort, ties by lower index, NaN last', () => {
    const row = (dims: number) => fc.array(fc.float(), { minLength: dims, maxLength: dims });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 19 })
          .chain((dims) =>
            fc.tuple(
              fc.constant(dims),
              row(dims),
              fc.array(row(dims), { maxLength: 40 }),
              fc.integer({ min: 0, max: 50 }),
            ),
          ),
        fc.boolean(),
        ([dims, q, rows, k], duplicateRows) => {
          const all = duplicateRows ? [...rows, ...rows] : rows;
          const matrix = new Float32Array(all.flat());
          const query = new Float32Array(q);
          const got = impl.topK(query, matrix, all.length, k);
          const want = bruteForceTopK(impl, query, matrix, all.length, k);
          expect(Array.from(got.indices)).toEqual(want.indices);
          expect(Array.from(got.scores)).toEqual(want.scores);
          expect(dims).toBe(query.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  run('topK reads only the first n rows and honours subarray offsets', () => {
    const vectors = impl.hashEmbedBatch(['alpha beta', 'gamma delta', 'alpha beta gamma', 'zeta'], 32);
    const padded = new Float32Array(vectors.length + 3);
    padded.set(vectors, 3);
    const matrix = padded.subarray(3);
    const result = impl.topK(matrix.subarray(0, 32), matrix, 3, 10);
    expect(Array.from(result.indices)).toEqual([0, 2, 1]);
    expect(impl.topK(matrix.subarray(0, 32), matrix, 0, 5).indices.length).toBe(0);
    expect(impl.topK(matrix.subarray(0, 32), matrix, 4, 0).indices.length).toBe(0);
  });

  run('rejects bad arguments with the same errors', () => {
    const v = new Float32Array(4);
    expect(() => impl.hashEmbed('x', 0)).toThrow(RangeError);
    expect(() => impl.hashEmbed('x', 1.5)).toThrow(RangeError);
    expect(() => impl.hashEmbed('x', 65537)).toThrow(RangeError);
    expect(() => impl.hashEmbed(42 as unknown as string, 8)).toThrow(TypeError);
    expect(() => impl.hashEmbedBatch(['a', 1 as unknown as string], 8)).toThrow(TypeError);
    expect(() => impl.dot(v, new Float32Array(5))).toThrow(RangeError);
    expect(() => impl.dot(v, [0, 0, 0, 0] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => impl.topK(v, new Float32Array(7), 2, 1)).toThrow(RangeError);
    expect(() => impl.topK(new Float32Array(0), v, 0, 1)).toThrow(RangeError);
    expect(() => impl.topK(v, v, -1, 1)).toThrow(RangeError);
    expect(() => impl.topK(v, v, 1, 0.5)).toThrow(RangeError);
    expect(name).toBe(impl.kind);
  });
});

describe('native addon versus TypeScript fallback', () => {
  const native = nativeImpl;
  const run = native === null ? it.skip : it;

  run('embeds random strings to bitwise-equal vectors', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 1024 }), (text, dims) => {
        expect(bits(native!.hashEmbed(text, dims))).toEqual(bits(fallbackImpl.hashEmbed(text, dims)));
      }),
      { numRuns: 2000 },
    );
  });

  run('embeds a text over 1 MiB identically, and short texts correctly afterwards', () => {
    const huge = Array.from({ length: 160_000 }, (_, i) => `wörd${i % 5003}`).join(' ');
    expect(new TextEncoder().encode(huge).length).toBeGreaterThan(1 << 20);
    const v = native!.hashEmbed(huge, 512);
    expect(bits(v)).toEqual(bits(fallbackImpl.hashEmbed(huge, 512)));
    expect(Math.abs(native!.dot(v, v) - 1)).toBeLessThan(1e-6);
    for (const impl of [native!, fallbackImpl]) {
      expect(bits(impl.hashEmbed('after the big one', 64))).toEqual(
        bits(referenceEmbed('after the big one', 64, impl.murmur3)),
      );
    }
  });

  run('embeds batches to bitwise-equal matrices', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 20 }), (texts) => {
        expect(bits(native!.hashEmbedBatch(texts, 256))).toEqual(bits(fallbackImpl.hashEmbedBatch(texts, 256)));
      }),
      { numRuns: 200 },
    );
  });

  run('computes identical dot products and top-k results', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 70 })
          .chain((dims) =>
            fc.tuple(
              fc.float32Array({ minLength: dims, maxLength: dims }),
              fc.float32Array({ minLength: dims, maxLength: dims }),
              fc.float32Array({ minLength: dims * 30, maxLength: dims * 30, noDefaultInfinity: true, noNaN: true }),
            ),
          ),
        fc.integer({ min: 0, max: 35 }),
        ([a, b, matrix], k) => {
          expect(Object.is(native!.dot(a, b), fallbackImpl.dot(a, b))).toBe(true);
          const x = native!.topK(a, matrix, 30, k);
          const y = fallbackImpl.topK(a, matrix, 30, k);
          expect(Array.from(x.indices)).toEqual(Array.from(y.indices));
          expect(bits(x.scores)).toEqual(bits(y.scores));
        },
      ),
      { numRuns: 300 },
    );
  });
});
