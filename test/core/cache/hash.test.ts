import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fnv64, fnv1a64 } from '../../../src/core/cache/hash.js';

/** Reference FNV-1a 64 with BigInt over TextEncoder bytes (test only). */
function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('fnv1a64', () => {
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('matches the published FNV-1a 64 test vector for %j', (input, expected) => {
    expect(fnv1a64(input)).toBe(expected);
  });

  it('hashes the UTF-8 bytes of any string exactly like a BigInt reference', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(fnv1a64(s)).toBe(reference(s)); // TextEncoder also writes lone surrogates as U+FFFD
      }),
      { numRuns: 100 },
    );
  });

  it('separates fields so that ("ab","c") and ("a","bc") differ', () => {
    expect(new Fnv64().field('ab').field('c').hex()).not.toBe(new Fnv64().field('a').field('bc').hex());
  });
});
