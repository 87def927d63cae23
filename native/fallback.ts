/**
 * The TypeScript twin of the C++ addon (src/hash-embed.cc, src/kernels.cc): same features, hash,
 * weights, summation order and rounding, so every output is bitwise identical. Used when the addon
 * is not built. Any change here is a change to the algorithm in native/README.md and must be made
 * in the C++ sources too.
 */
import { createKernels } from './kernels.js';
import { HASH_SEED } from './types.js';
import type { HashKernels, RawKernels, TopKResult } from './types.js';

const WEIGHT_WORD = 1.0;
const WEIGHT_BIGRAM = 1.0;
const WEIGHT_CHAR3 = 0.5;
const WEIGHT_CHAR4 = 0.5;
const BOUNDARY = 0x23; // '#'
const COLON = 0x3a;
const SPACE = 0x20;
const KIND_WORD = 0x77; // 'w'
const KIND_BIGRAM = 0x62; // 'b'
const KIND_CHAR3 = 0x33; // '3'
const KIND_CHAR4 = 0x34; // '4'

/** Inclusive code point ranges (all >= 0x80) that separate words; see native/README.md. */
const SEPARATOR_RANGES: readonly (readonly [number, number])[] = [
  [0x0080, 0x00bf],
  [0x00d7, 0x00d7],
  [0x00f7, 0x00f7],
  [0x1680, 0x1680],
  [0x2000, 0x206f],
  [0x2e00, 0x2e7f],
  [0x3000, 0x303f],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0xfeff, 0xfeff],
  [0xff00, 0xff0f],
  [0xff1a, 0xff20],
  [0xff3b, 0xff40],
  [0xff5b, 0xff65],
  [0xfff0, 0xffff],
];

export function isWordCodePoint(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  if (cp > 0xffff) return true;
  for (const [lo, hi] of SEPARATOR_RANGES) {
    if (cp >= lo && cp <= hi) return false;
  }
  return true;
}

/** MurmurHash3 x86_32 over `data[0..len)`, unsigned result. */
export function murmur3(data: Uint8Array, len: number, seed: number): number {
  let h = seed | 0;
  const blocksEnd = len & ~3;
  for (let i = 0; i < blocksEnd; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = len & 3;
  if (rest !== 0) {
    let k = 0;
    if (rest === 3) k ^= data[blocksEnd + 2]! << 16;
    if (rest >= 2) k ^= data[blocksEnd + 1]! << 8;
    k ^= data[blocksEnd]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();

/** Per-isolate scratch buffers, grown on demand (each worker thread has its own module instance). */
let scratch = new Uint8Array(256);
let cpOffsets = new Int32Array(256);
let wordStart = new Int32Array(64);
let wordEnd = new Int32Array(64);
let wordCpBegin = new Int32Array(64);
let wordCpCount = new Int32Array(64);

/** Texts longer than this (bytes) release their scratch buffers after use. */
const RETAIN_BYTES = 1 << 20;

function releaseLargeBuffers(): void {
  scratch = new Uint8Array(256);
  cpOffsets = new Int32Array(256);
  wordStart = new Int32Array(64);
  wordEnd = new Int32Array(64);
  wordCpBegin = new Int32Array(64);
  wordCpCount = new Int32Array(64);
}

function ensureCapacity(byteLength: number): void {
  if (scratch.length < byteLength + 8) scratch = new Uint8Array(2 * byteLength + 8);
  if (cpOffsets.length < 2 * byteLength + 1) cpOffsets = new Int32Array(4 * byteLength + 1);
  const maxWords = (byteLength >> 1) + 1;
  if (wordStart.length < maxWords) {
    const size = 2 * maxWords;
    wordStart = new Int32Array(size);
    wordEnd = new Int32Array(size);
    wordCpBegin = new Int32Array(size);
    wordCpCount = new Int32Array(size);
  }
}

function addFeature(acc: Float64Array, featureLen: number, weight: number): void {
  const h = murmur3(scratch, featureLen, HASH_SEED);
  const dims = acc.length;
  // h mod dims; a mask when dims is a power of two (same value, no float modulo on h >= 2^31).
  const index = (dims & (dims - 1)) === 0 ? h & (dims - 1) : h % dims;
  acc[index]! += h >>> 31 !== 0 ? -weight : weight;
}

function addCharGrams(
  acc: Float64Array,
  text: Uint8Array,
  word: number,
  n: number,
  kind: number,
  weight: number,
): void {
  const padded = wordCpCount[word]! + 2;
  if (padded < n) return;
  const cpBegin = wordCpBegin[word]!;
  for (let start = 0; start + n <= padded; start++) {
    let len = 0;
    scratch[len++] = kind;
    scratch[len++] = COLON;
    for (let p = start; p < start + n; p++) {
      if (p === 0 || p === padded - 1) {
        scratch[len++] = BOUNDARY;
      } else {
        const cp = cpBegin + p - 1;
        const end = cpOffsets[cp + 1]!;
        for (let b = cpOffsets[cp]!; b < end; b++) scratch[len++] = text[b]!;
      }
    }
    addFeature(acc, len, weight);
  }
}

/** Byte length of the UTF-8 sequence at text[i] and its code point, written to `decoded`. */
function decodeUtf8(text: Uint8Array, i: number, decoded: Int32Array): number {
  const b = text[i]!;
  let n: number;
  let value: number;
  if (b < 0x80) {
    decoded[0] = b;
    return 1;
  } else if ((b & 0xe0) === 0xc0) {
    n = 2;
    value = b & 0x1f;
  } else if ((b & 0xf0) === 0xe0) {
    n = 3;
    value = b & 0x0f;
  } else if ((b & 0xf8) === 0xf0) {
    n = 4;
    value = b & 0x07;
  } else {
    decoded[0] = 0xfffd;
    return 1;
  }
  if (i + n > text.length) {
    decoded[0] = 0xfffd;
    return 1;
  }
  for (let k = 1; k < n; k++) value = (value << 6) | (text[i + k]! & 0x3f);
  decoded[0] = value;
  return n;
}

const decoded = new Int32Array(1);

function embedInto(normalizedText: string, dims: number, out: Float32Array, offset: number): void {
  const text = encoder.encode(normalizedText);
  const len = text.length;
  ensureCapacity(len);
  let cpCount = 0;
  let words = 0;
  let inWord = false;
  for (let i = 0; i < len;) {
    const n = decodeUtf8(text, i, decoded);
    if (isWordCodePoint(decoded[0]!)) {
      if (!inWord) {
        wordStart[words] = i;
        wordCpBegin[words] = cpCount;
        wordCpCount[words] = 0;
        words++;
        inWord = true;
      }
      cpOffsets[cpCount++] = i;
      wordEnd[words - 1] = i + n;
      wordCpCount[words - 1]!++;
    } else if (inWord) {
      cpOffsets[cpCount++] = wordEnd[words - 1]!;
      inWord = false;
    }
    i += n;
  }
  if (inWord) cpOffsets[cpCount++] = wordEnd[words - 1]!;

  const acc = new Float64Array(dims);
  for (let w = 0; w < words; w++) {
    const start = wordStart[w]!;
    const end = wordEnd[w]!;
    let featureLen = 0;
    scratch[featureLen++] = KIND_WORD;
    scratch[featureLen++] = COLON;
    for (let b = start; b < end; b++) scratch[featureLen++] = text[b]!;
    addFeature(acc, featureLen, WEIGHT_WORD);
    if (w > 0) {
      featureLen = 0;
      scratch[featureLen++] = KIND_BIGRAM;
      scratch[featureLen++] = COLON;
      const prevEnd = wordEnd[w - 1]!;
      for (let b = wordStart[w - 1]!; b < prevEnd; b++) scratch[featureLen++] = text[b]!;
      scratch[featureLen++] = SPACE;
      for (let b = start; b < end; b++) scratch[featureLen++] = text[b]!;
      addFeature(acc, featureLen, WEIGHT_BIGRAM);
    }
    addCharGrams(acc, text, w, 3, KIND_CHAR3, WEIGHT_CHAR3);
    addCharGrams(acc, text, w, 4, KIND_CHAR4, WEIGHT_CHAR4);
  }

  if (len > RETAIN_BYTES) releaseLargeBuffers();
  const sumSquares = sumOfSquares(acc);
  if (sumSquares === 0) return; // `out` is freshly zeroed
  const norm = Math.sqrt(sumSquares);
  for (let i = 0; i < dims; i++) out[offset + i] = acc[i]! / norm;
}

/** Sum of acc[i]^2 with the same 8-lane order as dotAt (and the C++ Finish). */
function sumOfSquares(acc: Float64Array): number {
  const dims = acc.length;
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  let l4 = 0;
  let l5 = 0;
  let l6 = 0;
  let l7 = 0;
  let i = 0;
  for (; i + 8 <= dims; i += 8) {
    l0 += acc[i]! * acc[i]!;
    l1 += acc[i + 1]! * acc[i + 1]!;
    l2 += acc[i + 2]! * acc[i + 2]!;
    l3 += acc[i + 3]! * acc[i + 3]!;
    l4 += acc[i + 4]! * acc[i + 4]!;
    l5 += acc[i + 5]! * acc[i + 5]!;
    l6 += acc[i + 6]! * acc[i + 6]!;
    l7 += acc[i + 7]! * acc[i + 7]!;
  }
  const rest = dims - i;
  if (rest > 0) l0 += acc[i]! * acc[i]!;
  if (rest > 1) l1 += acc[i + 1]! * acc[i + 1]!;
  if (rest > 2) l2 += acc[i + 2]! * acc[i + 2]!;
  if (rest > 3) l3 += acc[i + 3]! * acc[i + 3]!;
  if (rest > 4) l4 += acc[i + 4]! * acc[i + 4]!;
  if (rest > 5) l5 += acc[i + 5]! * acc[i + 5]!;
  if (rest > 6) l6 += acc[i + 6]! * acc[i + 6]!;
  // ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); prettier drops the redundant parentheses.
  return l0 + l1 + (l2 + l3) + (l4 + l5 + (l6 + l7));
}

/** Dot product of a[aOff..aOff+dims) and b[bOff..bOff+dims): 8 float64 lanes, fixed combine order. */
function dotAt(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dims: number): number {
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  let l4 = 0;
  let l5 = 0;
  let l6 = 0;
  let l7 = 0;
  let i = 0;
  for (; i + 8 <= dims; i += 8) {
    const x = aOff + i;
    const y = bOff + i;
    l0 += a[x]! * b[y]!;
    l1 += a[x + 1]! * b[y + 1]!;
    l2 += a[x + 2]! * b[y + 2]!;
    l3 += a[x + 3]! * b[y + 3]!;
    l4 += a[x + 4]! * b[y + 4]!;
    l5 += a[x + 5]! * b[y + 5]!;
    l6 += a[x + 6]! * b[y + 6]!;
    l7 += a[x + 7]! * b[y + 7]!;
  }
  const rest = dims - i;
  const x = aOff + i;
  const y = bOff + i;
  if (rest > 0) l0 += a[x]! * b[y]!;
  if (rest > 1) l1 += a[x + 1]! * b[y + 1]!;
  if (rest > 2) l2 += a[x + 2]! * b[y + 2]!;
  if (rest > 3) l3 += a[x + 3]! * b[y + 3]!;
  if (rest > 4) l4 += a[x + 4]! * b[y + 4]!;
  if (rest > 5) l5 += a[x + 5]! * b[y + 5]!;
  if (rest > 6) l6 += a[x + 6]! * b[y + 6]!;
  // ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); prettier drops the redundant parentheses.
  return l0 + l1 + (l2 + l3) + (l4 + l5 + (l6 + l7));
}

/** Ranking key: NaN ranks as -Infinity. */
function rankKey(score: number): number {
  return score !== score ? -Infinity : score;
}

/** True when (sa, ia) ranks strictly before (sb, ib): higher score, then lower index. */
function better(sa: number, ia: number, sb: number, ib: number): boolean {
  const ka = rankKey(sa);
  const kb = rankKey(sb);
  return ka !== kb ? ka > kb : ia < ib;
}

function topK(query: Float32Array, matrix: Float32Array, n: number, k: number): TopKResult {
  const dims = query.length;
  const size = Math.min(k, n);
  // Binary heap with the worst kept entry at the root.
  const heapScore = new Float64Array(size);
  const heapIndex = new Int32Array(size);
  let count = 0;
  for (let row = 0; row < n && size > 0; row++) {
    const score = dotAt(query, 0, matrix, row * dims, dims);
    if (count < size) {
      let c = count++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!better(heapScore[parent]!, heapIndex[parent]!, score, row)) break;
        heapScore[c] = heapScore[parent]!;
        heapIndex[c] = heapIndex[parent]!;
        c = parent;
      }
      heapScore[c] = score;
      heapIndex[c] = row;
    } else if (better(score, row, heapScore[0]!, heapIndex[0]!)) {
      let c = 0;
      for (;;) {
        const left = 2 * c + 1;
        if (left >= count) break;
        let worst = left;
        const right = left + 1;
        if (right < count && better(heapScore[left]!, heapIndex[left]!, heapScore[right]!, heapIndex[right]!)) {
          worst = right;
        }
        if (!better(score, row, heapScore[worst]!, heapIndex[worst]!)) break;
        heapScore[c] = heapScore[worst]!;
        heapIndex[c] = heapIndex[worst]!;
        c = worst;
      }
      heapScore[c] = score;
      heapIndex[c] = row;
    }
  }
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((x, y) => (better(heapScore[x]!, heapIndex[x]!, heapScore[y]!, heapIndex[y]!) ? -1 : 1));
  const indices = new Int32Array(count);
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const slot = order[i]!;
    indices[i] = heapIndex[slot]!;
    const score = heapScore[slot]!;
    scores[i] = score !== score ? NaN : score; // canonical quiet NaN (0x7FC00000), as in the addon
  }
  return { indices, scores };
}

/** The fallback's raw primitives (normalized text in, no validation). */
export const fallbackRaw: RawKernels = {
  embed(normalizedText: string, dims: number): Float32Array {
    const out = new Float32Array(dims);
    embedInto(normalizedText, dims, out, 0);
    return out;
  },
  embedBatch(normalizedTexts: readonly string[], dims: number): Float32Array {
    const out = new Float32Array(normalizedTexts.length * dims);
    normalizedTexts.forEach((text, i) => embedInto(text, dims, out, i * dims));
    return out;
  },
  dot(a: Float32Array, b: Float32Array): number {
    return dotAt(a, 0, b, 0, a.length);
  },
  topK,
  murmur3(bytes: Uint8Array, seed: number): number {
    return murmur3(bytes, bytes.length, seed);
  },
};

/** The TypeScript implementation behind the public interface. */
export const fallbackImpl: HashKernels = createKernels('fallback', fallbackRaw);
