/**
 * 64-bit FNV-1a over the UTF-8 bytes of a string, in pure JS (no node:crypto in core). The state is
 * four 16-bit limbs so every intermediate product stays exact in a double; output is 16 hex digits.
 * Not cryptographic: keys built from it must be confirmed against the stored text on a hit.
 */

const PRIME_LOW = 0x1b3; // FNV-64 prime = 2^40 + 0x1b3
const HEX = '0123456789abcdef';

/** Incremental hasher, so composite keys need no intermediate string concatenation. */
export class Fnv64 {
  #h0 = 0x2325; // offset basis 0xcbf29ce484222325, least significant limb first
  #h1 = 0x8422;
  #h2 = 0x9ce4;
  #h3 = 0xcbf2;

  #byte(b: number): void {
    const h0 = this.#h0 ^ b;
    const t0 = h0 * PRIME_LOW;
    let t1 = this.#h1 * PRIME_LOW;
    let t2 = this.#h2 * PRIME_LOW + (h0 << 8); // 2^40 = limb 2 shifted by 8 bits
    const t3 = this.#h3 * PRIME_LOW + (this.#h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    this.#h0 = t0 & 0xffff;
    this.#h1 = t1 & 0xffff;
    this.#h2 = t2 & 0xffff;
    this.#h3 = (t3 + (t2 >>> 16)) & 0xffff;
  }

  /** Feeds the UTF-8 encoding of `text` (lone surrogates are encoded as U+FFFD). */
  update(text: string): this {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        this.#byte(c);
        continue;
      }
      if (c < 0x800) {
        this.#byte(0xc0 | (c >> 6));
        this.#byte(0x80 | (c & 0x3f));
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          this.#byte(0xf0 | (cp >> 18));
          this.#byte(0x80 | ((cp >> 12) & 0x3f));
          this.#byte(0x80 | ((cp >> 6) & 0x3f));
          this.#byte(0x80 | (cp & 0x3f));
          continue;
        }
        c = 0xfffd;
      }
      this.#byte(0xe0 | (c >> 12));
      this.#byte(0x80 | ((c >> 6) & 0x3f));
      this.#byte(0x80 | (c & 0x3f));
    }
    return this;
  }

  /** Feeds a field and a separator byte (0x00, never produced by UTF-8 text other than U+0000). */
  field(text: string): this {
    this.update(text);
    this.#byte(0);
    return this;
  }

  hex(): string {
    let out = '';
    for (const limb of [this.#h3, this.#h2, this.#h1, this.#h0]) {
      out += HEX[(limb >>> 12) & 15]! + HEX[(limb >>> 8) & 15]! + HEX[(limb >>> 4) & 15]! + HEX[limb & 15]!;
    }
    return out;
  }
}

/** FNV-1a 64 of a string's UTF-8 bytes as 16 lowercase hex digits. */
export function fnv1a64(text: string): string {
  return new Fnv64().update(text).hex();
}
