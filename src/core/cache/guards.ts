/**
 * Hard-negative guards: small named predicates that veto a semantic hit when the two texts differ in
 * a way embeddings are blind to (numbers, negation, swapped direction or order, language, antonyms,
 * named entities). Each returns null to allow or a short detail to reject. Pure; they never decide
 * a hit on their own, only veto one.
 */
import {
  COMPLEMENT_PREPOSITIONS,
  DIRECTIONAL,
  GENERIC_MODIFIERS,
  INFINITIVE_BEFORE_TO,
  LANGUAGES,
  SYMMETRIC,
  UNITS,
} from './guard-lexicon.js';
import { analyzeText, groupLabel, isStopword, sameGroupClass, type TextFeatures, type Token } from './text-features.js';

export type GuardName = 'numbers' | 'units' | 'negation' | 'language' | 'antonym' | 'direction' | 'swap' | 'entity';

export interface Guard {
  readonly name: GuardName;
  /** Null when `a` and `b` may share an answer as far as this guard sees; else why not. */
  readonly check: (a: TextFeatures, b: TextFeatures) => string | null;
}

export type GuardVerdict =
  { readonly ok: true } | { readonly ok: false; readonly guard: GuardName; readonly detail: string };

const DIRECTIONAL_SET = new Set(DIRECTIONAL);
const SYMMETRIC_SET = new Set(SYMMETRIC);
const INFINITIVE_SET = new Set(INFINITIVE_BEFORE_TO);
const DETERMINERS = new Set([
  'a',
  'an',
  'the',
  'my',
  'your',
  'this',
  'that',
  'these',
  'those',
  'our',
  'their',
  'his',
  'her',
  'its',
  'some',
]);
const UN_PREFIXES = ['un', 'in', 'im', 'ir', 'il', 'dis', 'non'];
const MAX_RUN = 3;

const sameList = (x: readonly string[], y: readonly string[]): boolean =>
  x.length === y.length && x.every((v, i) => v === y[i]);
const fmt = (x: Iterable<string>): string => `[${[...x].join(', ')}]`;
const canonical = (t: Token): string => UNITS[t.text] ?? LANGUAGES[t.text] ?? t.text;
const isContent = (t: Token): boolean =>
  t.kind === 'num' || (t.kind === 'word' && !isStopword(t.text) && !DIRECTIONAL_SET.has(t.text));
/** Words skipped between a connective and its operand (`divided by`, `is divided`, `to the`). */
const GLUE = new Set([...DETERMINERS, ...DIRECTIONAL, 'is', 'are', 'was', 'were', 'be', 'been']);

/** Content tokens next to position `from`, going forward (`step` 1) or backward (-1). */
function contentRun(tokens: readonly Token[], from: number, step: 1 | -1): Set<string> {
  const run = new Set<string>();
  let i = from;
  while (i >= 0 && i < tokens.length && GLUE.has(tokens[i]!.text)) i += step;
  while (i >= 0 && i < tokens.length && run.size < MAX_RUN && isContent(tokens[i]!)) {
    run.add(canonical(tokens[i]!));
    i += step;
  }
  return run;
}

interface DirectedPair {
  readonly left: Set<string>;
  readonly right: Set<string>;
}

function directedPairs(tokens: readonly Token[]): DirectedPair[] {
  const out: DirectedPair[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!DIRECTIONAL_SET.has(t.text)) continue;
    if (t.text === 'to' && i > 0 && INFINITIVE_SET.has(tokens[i - 1]!.text)) continue;
    const left = contentRun(tokens, i - 1, -1);
    const right = contentRun(tokens, i + 1, 1);
    if (left.size > 0 && right.size > 0) out.push({ left, right });
  }
  return out;
}

/** Some token of `x` is in `y` but not in `not`. */
const meets = (x: ReadonlySet<string>, y: ReadonlySet<string>, not: ReadonlySet<string> = new Set()): boolean => {
  for (const v of x) if (y.has(v) && !not.has(v)) return true;
  return false;
};

/** `y` has an operand of `x`'s left side on its right and one of `x`'s right on its left. */
const crossed = (x: DirectedPair, y: DirectedPair): boolean =>
  meets(x.left, y.right, y.left) && meets(x.right, y.left, y.right);
const aligned = (x: DirectedPair, y: DirectedPair): boolean => meets(x.left, y.left) && meets(x.right, y.right);

const contentSeq = (f: TextFeatures): string[] => f.tokens.filter(isContent).map(canonical);

/** Content tokens that occur exactly once in `f`, in order. */
function uniqueContent(f: TextFeatures): string[] {
  const counts = new Map<string, number>();
  const seq: string[] = [];
  for (const t of f.tokens) {
    if (!isContent(t)) continue;
    const c = canonical(t);
    counts.set(c, (counts.get(c) ?? 0) + 1);
    seq.push(c);
  }
  return seq.filter((c) => counts.get(c) === 1);
}

/** Canonical tokens strictly between the unique occurrences of `x` and `y`. */
function between(f: TextFeatures, x: string, y: string): { content: Set<string>; symmetric: boolean } {
  const seq = f.tokens.map(canonical);
  const i = seq.indexOf(x);
  const j = seq.indexOf(y);
  const content = new Set<string>();
  let symmetric = false;
  for (let k = Math.min(i, j) + 1; k < Math.max(i, j); k++) {
    const t = f.tokens[k]!;
    if (SYMMETRIC_SET.has(t.text)) symmetric = true;
    if (isContent(t)) content.add(canonical(t));
  }
  return { content, symmetric };
}

function sameSet(x: ReadonlySet<string>, y: ReadonlySet<string>): boolean {
  if (x.size !== y.size) return false;
  for (const v of x) if (!y.has(v)) return false;
  return true;
}

/** Equal numbers, where each optional one (`one`, `first`) may match a 1 on the other side or nothing. */
function sameNumbers(a: TextFeatures, b: TextFeatures): boolean {
  if (sameList(a.numbers, b.numbers)) return true;
  const notOne = (n: string): boolean => n !== '1';
  if (!sameList(a.numbers.filter(notOne), b.numbers.filter(notOne))) return false;
  const surplus =
    a.numbers.length - a.numbers.filter(notOne).length - (b.numbers.length - b.numbers.filter(notOne).length);
  return surplus > 0 ? b.optionalOnes >= surplus : a.optionalOnes >= -surplus;
}

export const numbersGuard: Guard = {
  name: 'numbers',
  check: (a, b) => (sameNumbers(a, b) ? null : `${fmt(a.numbers)} vs ${fmt(b.numbers)}`),
};

export const unitsGuard: Guard = {
  name: 'units',
  check: (a, b) =>
    a.units.length > 0 && b.units.length > 0 && !sameList(a.units, b.units)
      ? `${fmt(a.units)} vs ${fmt(b.units)}`
      : null,
};

export const negationGuard: Guard = {
  name: 'negation',
  check: (a, b) => (a.negations > 0 !== b.negations > 0 ? `${a.negations} vs ${b.negations} negations` : null),
};

export const languageGuard: Guard = {
  name: 'language',
  check: (a, b) => (sameSet(a.languages, b.languages) ? null : `${fmt(a.languages)} vs ${fmt(b.languages)}`),
};

function prefixedOpposite(a: TextFeatures, b: TextFeatures): string | null {
  for (const w of a.words) {
    if (w.length < 4) continue;
    for (const p of UN_PREFIXES) {
      if (b.words.has(p + w) && !a.words.has(p + w)) return `${w} vs ${p}${w}`;
    }
  }
  return null;
}

export const antonymGuard: Guard = {
  name: 'antonym',
  check: (a, b) => {
    for (const [gi, classes] of a.groups) {
      const other = b.groups.get(gi);
      if (other !== undefined && other !== classes) return `${groupLabel(gi)}: ${classes} vs ${other}`;
    }
    return prefixedOpposite(a, b) ?? prefixedOpposite(b, a);
  },
};

export const directionGuard: Guard = {
  name: 'direction',
  check: (a, b) => {
    const pb = directedPairs(b.tokens);
    if (pb.length === 0) return null;
    // a pair of `a` reversed in `b`, unless `b` also states it the same way round (`2^10 vs 10^2`)
    for (const x of directedPairs(a.tokens)) {
      const y = pb.find((p) => crossed(x, p));
      if (y !== undefined && !pb.some((p) => aligned(x, p) && !crossed(x, p))) {
        return `${fmt(x.left)}->${fmt(x.right)} vs ${fmt(y.left)}->${fmt(y.right)}`;
      }
    }
    return null;
  },
};

export const swapGuard: Guard = {
  name: 'swap',
  check: (a, b) => {
    const sa = uniqueContent(a);
    const inB = new Set(uniqueContent(b));
    const shared = sa.filter((c) => inB.has(c));
    const sharedSet = new Set(shared);
    const sb = uniqueContent(b).filter((c) => sharedSet.has(c));
    const diff: number[] = [];
    for (let i = 0; i < shared.length; i++) if (shared[i] !== sb[i]) diff.push(i);
    if (diff.length !== 2) return null;
    const x = shared[diff[0]!]!;
    const y = shared[diff[1]!]!;
    const ba = between(a, x, y);
    const bb = between(b, x, y);
    if (ba.symmetric || bb.symmetric || ba.content.size === 0 || !sameSet(ba.content, bb.content)) return null;
    // only a pure exchange: `a` with x and y swapped must read like `b` (content words, in order)
    const swapped = contentSeq(a).map((c) => (c === x ? y : c === y ? x : c));
    return sameList(swapped, contentSeq(b)) ? `${x} <-> ${y}` : null;
  },
};

const GENERIC_MODIFIER_SET = new Set(GENERIC_MODIFIERS);
const COMPLEMENT_SET = new Set(COMPLEMENT_PREPOSITIONS);
/** Adjective endings: such a modifier describes its noun rather than naming a different kind of it. */
const ADJECTIVE_SUFFIX = /(?:ful|ous|ive|able|ible|ic|ical|less|ish|ly)$/;
/** Superlatives (`largest`, `cheapest`) describe; the lexicon's opposite pairs cover the ones that matter. */
const SUPERLATIVE = /.{3,}est$/;
/** Verb forms (`banning`, `stored`): a different verb is a paraphrase as often as not. */
const VERB_SUFFIX = /(?:ing|ed|en)$/;
/** `fiction` and `fictional`, `bank` and `banking`: forms of one word, not two kinds. */
const RELATED_PREFIX = 4;
const CAPITALIZED = /^\p{Lu}/u;

/** A rough singular (`cats` -> `cat`, `boxes` -> `box`, `stories` -> `story`), for comparing nouns. */
export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && /(?:s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** A lowercase content word that can name a kind of thing (not an adjective, unit, language or number). */
function isNounLike(t: Token | undefined): t is Token {
  return (
    t !== undefined &&
    t.kind === 'word' &&
    t.text.length >= 3 &&
    isContent(t) &&
    !CAPITALIZED.test(t.raw) &&
    !GENERIC_MODIFIER_SET.has(t.text) &&
    !ADJECTIVE_SUFFIX.test(t.text) &&
    !VERB_SUFFIX.test(t.text) &&
    !SUPERLATIVE.test(t.text) &&
    UNITS[t.text] === undefined &&
    LANGUAGES[t.text] === undefined
  );
}

/** Where a noun phrase may begin: after a determiner, preposition, number, punctuation or describing word. */
function startsPhrase(t: Token | undefined): boolean {
  return (
    t === undefined ||
    t.kind !== 'word' ||
    DETERMINERS.has(t.text) ||
    COMPLEMENT_SET.has(t.text) ||
    GENERIC_MODIFIER_SET.has(t.text) ||
    ADJECTIVE_SUFFIX.test(t.text) ||
    VERB_SUFFIX.test(t.text)
  );
}

/** A head noun may also be a unit: `a gram of fat`, `a cup of tea`. */
const isHeadLike = (t: Token): boolean => (UNITS[t.text] !== undefined && t.text.length >= 3) || isNounLike(t);

/**
 * Head noun (stem) -> the nouns that narrow it, written before it (`board game`, `freezing point`)
 * or as its complement (`joke about cats`, `boiling point of water`, `price of gas per gallon`).
 */
function modifiersOf(f: TextFeatures): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (head: string, mod: string): void => {
    const list = out.get(stem(head)) ?? [];
    list.push(mod);
    out.set(stem(head), list);
  };
  const ts = f.tokens;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const next = ts[i + 1];
    if (isNounLike(t) && isNounLike(next) && startsPhrase(ts[i - 1])) add(next.text, t.text);
    // a complement narrows a noun, so the head must itself open a noun phrase (`the price of`), not
    // be a verb (`think about`)
    if (!isHeadLike(t) || !COMPLEMENT_SET.has(next?.text ?? '')) continue;
    const before = ts[i - 1];
    if (!startsPhrase(before) && !(isNounLike(before) && startsPhrase(ts[i - 2]))) continue;
    // the complement's last noun before the phrase ends: `for a long car ride` -> ride
    let j = i + 2;
    while (j < ts.length && DETERMINERS.has(ts[j]!.text)) j++;
    let last: Token | undefined;
    while (j < ts.length && ts[j]!.kind === 'word' && isContent(ts[j]!)) last = ts[j++];
    if (isNounLike(last)) add(t.text, last.text);
  }
  return out;
}

const related = (x: string, y: string): boolean => x.slice(0, RELATED_PREFIX) === y.slice(0, RELATED_PREFIX);

/**
 * The same head noun narrowed by different nouns on the two sides (`board game` vs `card game`,
 * `joke about cats` vs `joke about dogs`): a different kind of thing. Modifiers the other text
 * also uses somewhere, forms of one word, and words the lexicon lists as one class do not count.
 */
export function modifierChange(a: TextFeatures, b: TextFeatures): string | null {
  const ma = modifiersOf(a);
  if (ma.size === 0) return null;
  const mb = modifiersOf(b);
  const stemsA = new Set([...a.words].map(stem));
  const stemsB = new Set([...b.words].map(stem));
  for (const [head, modsA] of ma) {
    const modsB = mb.get(head);
    if (modsB === undefined) continue;
    for (const x of modsA) {
      if (stemsB.has(stem(x))) continue;
      const y = modsB.find((m) => !stemsA.has(stem(m)) && !sameGroupClass(x, m) && !related(x, m));
      if (y !== undefined) return `${x} vs ${y} (${head})`;
    }
  }
  return null;
}

export const entityGuard: Guard = {
  name: 'entity',
  check: (a, b) => {
    const onlyA = [...a.properNouns].filter((p) => !b.words.has(p) && LANGUAGES[p] === undefined);
    const onlyB = [...b.properNouns].filter((p) => !a.words.has(p) && LANGUAGES[p] === undefined);
    if (onlyA.length > 0 && onlyB.length > 0) return `${fmt(onlyA)} vs ${fmt(onlyB)}`;
    return modifierChange(a, b);
  },
};

/** Every guard, in the order they are tried (cheap, precise ones first). */
export const GUARDS: readonly Guard[] = [
  numbersGuard,
  unitsGuard,
  negationGuard,
  languageGuard,
  antonymGuard,
  directionGuard,
  swapGuard,
  entityGuard,
];
export const GUARD_NAMES: readonly GuardName[] = GUARDS.map((g) => g.name);

/** Runs `guards` over two analyzed texts; the first that rejects is reported. */
export function applyGuards(a: TextFeatures, b: TextFeatures, guards: readonly Guard[] = GUARDS): GuardVerdict {
  for (const g of guards) {
    const detail = g.check(a, b);
    if (detail !== null) return { ok: false, guard: g.name, detail };
  }
  return { ok: true };
}

/** Convenience for tests and offline tools: analyzes both texts and applies every guard. */
export function checkPair(a: string, b: string, guards: readonly Guard[] = GUARDS): GuardVerdict {
  return applyGuards(analyzeText(a), analyzeText(b), guards);
}
