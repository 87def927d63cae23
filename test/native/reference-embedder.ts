/**
 * A deliberately naive, string-based re-implementation of the hash embedder straight from
 * native/README.md (regex word split, feature strings, TextEncoder), used as an independent oracle
 * for both the addon and the fallback. Test helper only; never imported by production code.
 */
const SEED = 0x66776179;
const WEIGHTS = { w: 1.0, b: 1.0, c3: 0.5, c4: 0.5 } as const;

/** Word code points per the README: ASCII letters and digits, and non-ASCII outside its separator table. */
const ASCII_WORD = /^[0-9A-Za-z]$/;
const NON_ASCII_SEPARATOR =
  /^[\u0080-\u00bf\u00d7\u00f7\u1680\u2000-\u206f\u2e00-\u2e7f\u3000-\u303f\ufe10-\ufe1f\ufe30-\ufe4f\ufeff\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\ufff0-\uffff]$/u;

function isWordChar(ch: string): boolean {
  return ch.codePointAt(0)! < 0x80 ? ASCII_WORD.test(ch) : !NON_ASCII_SEPARATOR.test(ch);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function referenceFeatures(text: string): { feature: string; weight: number }[] {
  const normalized = text.normalize('NFKC').toLowerCase().replace(LONE_SURROGATE, '\ufffd');
  const words: string[] = [];
  let current = '';
  for (const ch of normalized) {
    if (!isWordChar(ch)) {
      if (current !== '') words.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') words.push(current);
  const features: { feature: string; weight: number }[] = [];
  words.forEach((word, i) => {
    features.push({ feature: `w:${word}`, weight: WEIGHTS.w });
    if (i > 0) features.push({ feature: `b:${words[i - 1]} ${word}`, weight: WEIGHTS.b });
    const padded = Array.from(`#${word}#`);
    for (let s = 0; s + 3 <= padded.length; s++) {
      features.push({ feature: `3:${padded.slice(s, s + 3).join('')}`, weight: WEIGHTS.c3 });
    }
    for (let s = 0; s + 4 <= padded.length; s++) {
      features.push({ feature: `4:${padded.slice(s, s + 4).join('')}`, weight: WEIGHTS.c4 });
    }
  });
  return features;
}

export function referenceEmbed(
  text: string,
  dims: number,
  murmur3: (bytes: Uint8Array, seed: number) => number,
): Float32Array {
  const encoder = new TextEncoder();
  const acc = new Float64Array(dims);
  for (const { feature, weight } of referenceFeatures(text)) {
    const h = murmur3(encoder.encode(feature), SEED);
    acc[h % dims]! += h >= 0x80000000 ? -weight : weight;
  }
  // Eight float64 lanes (lane i mod 8), combined ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
  const lanes = [0, 0, 0, 0, 0, 0, 0, 0];
  acc.forEach((x, i) => (lanes[i % 8]! += x * x));
  const [l0, l1, l2, l3, l4, l5, l6, l7] = lanes as [number, number, number, number, number, number, number, number];
  const sumSquares = l0 + l1 + (l2 + l3) + (l4 + l5 + (l6 + l7));
  const out = new Float32Array(dims);
  if (sumSquares === 0) return out;
  const norm = Math.sqrt(sumSquares);
  acc.forEach((x, i) => (out[i] = x / norm));
  return out;
}
