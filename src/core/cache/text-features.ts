/**
 * Turns one message into the features the hard-negative guards compare: lowercase tokens with their
 * original case, canonical numbers (digits and number words), units, programming languages and
 * frameworks, negation count, and the classes of exclusive groups it mentions. Lexicon lookups are
 * compiled into maps once at module load; nothing here allocates regexes per call.
 */
import {
  AMBIGUOUS_LANGUAGES,
  CODE_CUES,
  EXCLUSIVE_GROUPS,
  LANGUAGES,
  NEGATIONS,
  NUMBER_SCALES,
  FRACTION_WORDS,
  NUMBER_WORDS,
  ORDINAL_WORDS,
  STOPWORDS,
  UNITS,
} from './guard-lexicon.js';

export interface Token {
  /** Lowercase form (contractions split: `don't` -> `do`, `n't`). */
  readonly text: string;
  /** As written (for proper-noun detection). */
  readonly raw: string;
  readonly kind: 'word' | 'num' | 'sym';
}

export interface TextFeatures {
  readonly tokens: readonly Token[];
  readonly words: ReadonlySet<string>;
  /** Canonical numbers, sorted (multiset). */
  readonly numbers: readonly string[];
  /** `one` / `first` outside a number run: each may stand for 1 or for nothing (an article). */
  readonly optionalOnes: number;
  /** Canonical units, sorted set. */
  readonly units: readonly string[];
  readonly languages: ReadonlySet<string>;
  readonly negations: number;
  /** Group index -> sorted class indexes mentioned. */
  readonly groups: ReadonlyMap<number, string>;
  /** Capitalized words that are not sentence-initial, lowercase. */
  readonly properNouns: ReadonlySet<string>;
}

// Order matters: multi-character symbols and names first, then numbers, words, single symbols.
const TOKEN_RE =
  /(c\+\+|c#|f#|\.net\b|->|=>|°[cf]\b)|((?:(?<![\p{L}\p{N}])-)?\d+(?:,\d{3}(?!\d))*(?:[.:-]\d+)*(?:st|nd|rd|th)?)|([\p{L}][\p{L}\p{M}\p{N}]*(?:['’][\p{L}]+)?)|([+*/×÷^=<>%$€£¥&.!?;:,()-])/giu;
const SYMBOL_ALIASES: Readonly<Record<string, string>> = {
  'c++': 'cpp',
  'c#': 'csharp',
  'f#': 'fsharp',
  '.net': 'dotnet',
};
const THOUSANDS = /^-?\d{1,3}(?:,\d{3})+$/;
const ORDINAL = /(?:st|nd|rd|th)$/;
const DOTTED_NAMES = /\b(node|next|vue|react|nuxt|express|three)\.js\b/giu;
const INNER_HYPHEN = /(\p{L})-(?=\p{L})/gu;
const SPRING_BOOT = /\bspring\s+boot\b/giu;
/** Relative time phrases folded into one word each, so `last night` meets `tonight` in one group. */
const LAST_NIGHT = /\blast\s+night\b/giu;
const THIS_PERIOD = /\bthis\s+(week|weekend|month|year|quarter|season)\b/giu;
const THIS_DAYTIME = /\bthis\s+(morning|afternoon|evening)\b/giu;
const NAME_NUMBER = /^([a-z]+?)(\d+)$/;
const INTEGER = /^-?\d+$/;
const CAPITALIZED = /^\p{Lu}/u;
const SENTENCE_END = /^[.!?:;]$/;
/**
 * Upper-case Roman numerals of two or more letters after a capitalized word (`World War II`,
 * `Louis XIV`); a lone `I` or `V` is too ambiguous, and common acronyms are not numbers.
 */
const ROMAN_LOOKALIKES = new Set(['CI', 'CV', 'CC', 'XL', 'LC', 'VC']);
const ROMAN = /^(?=[IVXLC]{2,}$)C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$/;
const ROMAN_VALUES: Readonly<Record<string, number>> = { I: 1, V: 5, X: 10, L: 50, C: 100 };

function romanValue(s: string): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = ROMAN_VALUES[s[i]!] ?? 0;
    const next = ROMAN_VALUES[s[i + 1] ?? ''] ?? 0;
    total += v < next ? -v : v;
  }
  return total;
}

const NEGATION_SET = new Set(NEGATIONS);
const OBJECT_PRONOUNS = new Set(['me', 'us', 'him', 'her', 'them', 'you']);
const QUESTION_WORDS = new Set(['when', 'where', 'who', 'whom', 'why']);
const STOP_SET = new Set(STOPWORDS);
const AMBIGUOUS_SET = new Set(AMBIGUOUS_LANGUAGES);
const CODE_CUE_SET = new Set(CODE_CUES);
/** word -> list of [group index, class index]. */
const GROUP_INDEX = new Map<string, [number, number][]>();
const MONTH_GROUP = EXCLUSIVE_GROUPS.findIndex((g) => g.startsWith('january'));
EXCLUSIVE_GROUPS.forEach((group, gi) => {
  group.split('|').forEach((cls, ci) => {
    for (const w of cls.trim().split(/\s+/)) {
      const key = gi === MONTH_GROUP && w === 'may' ? 'may_month' : w; // modal `may` is not a month
      const list = GROUP_INDEX.get(key) ?? [];
      list.push([gi, ci]);
      GROUP_INDEX.set(key, list);
    }
  });
});

export const isStopword = (w: string): boolean => STOP_SET.has(w);

/** Both words belong to one class of some exclusive group (the lexicon's synonyms: `max`, `maximum`). */
export function sameGroupClass(x: string, y: string): boolean {
  const cx = GROUP_INDEX.get(x);
  const cy = GROUP_INDEX.get(y);
  if (cx === undefined || cy === undefined) return false;
  return cx.some(([g, c]) => cy.some(([h, d]) => g === h && c === d));
}

function canonicalNumber(raw: string): string {
  let s = raw.replace(ORDINAL, '');
  if (THOUSANDS.test(s)) s = s.replace(/,/g, '');
  if (INTEGER.test(s)) return String(Number(s)); // strips leading zeros: 05 -> 5
  return s;
}

function tokenize(text: string): Token[] {
  const prepared = text
    .normalize('NFKC')
    .replace(DOTTED_NAMES, '$1js')
    .replace(SPRING_BOOT, 'springboot')
    .replace(LAST_NIGHT, 'yesterday night')
    .replace(THIS_PERIOD, 'current $1')
    .replace(THIS_DAYTIME, 'today $1')
    .replace(INNER_HYPHEN, '$1');
  const out: Token[] = [];
  for (const m of prepared.matchAll(TOKEN_RE)) {
    const [all, special, num, word] = m;
    if (special !== undefined) {
      const lower = special.toLowerCase();
      out.push({ text: SYMBOL_ALIASES[lower] ?? lower, raw: special, kind: 'word' });
    } else if (num !== undefined) {
      out.push({ text: canonicalNumber(num), raw: num, kind: 'num' });
    } else if (word !== undefined) {
      let lower = word.toLowerCase().replace('’', "'");
      let raw = word;
      if (lower.endsWith("'s") && lower.length > 2) {
        lower = lower.slice(0, -2); // possessive, `what's`, `it's`
        raw = raw.slice(0, -2);
      }
      const split = NAME_NUMBER.exec(lower); // `python3`, `log2`, `x86`, `utf8`: name + number
      if (lower.endsWith("n't")) {
        const stem = lower === "can't" ? 'can' : lower === "won't" ? 'will' : lower.slice(0, -3);
        out.push({ text: stem, raw, kind: 'word' }, { text: "n't", raw: "n't", kind: 'word' });
      } else if (split !== null) {
        out.push({ text: split[1]!, raw, kind: 'word' }, { text: split[2]!, raw: split[2]!, kind: 'num' });
      } else if (ROMAN.test(raw) && !ROMAN_LOOKALIKES.has(raw) && CAPITALIZED.test(out.at(-1)?.raw ?? '')) {
        out.push({ text: String(romanValue(raw)), raw, kind: 'num' }); // World War II, Louis XIV
      } else {
        out.push({ text: lower, raw, kind: 'word' });
      }
    } else {
      out.push({ text: all.toLowerCase(), raw: all, kind: 'sym' });
    }
  }
  return out;
}

/** Words that can count a spelled fraction (`a third`, `two thirds`). */
const COUNT_WORDS = new Set(['a', 'an', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']);

/** Words that are 1 or an article/ordinal (`one of them`, `first, install`): they may match 1 or nothing. */
const OPTIONAL_ONE = new Set(['one', 'first']);

/**
 * Reads digits and runs of number words (`two hundred fifty` -> 250, `a dozen` -> 12) into `into`;
 * returns how many optional ones (`one`, `first` outside a run) were seen.
 */
function collectNumbers(tokens: readonly Token[], into: string[]): number {
  let group = 0;
  let total = 0;
  let inRun = false;
  let optionalOnes = 0;
  const flush = (): void => {
    if (inRun) into.push(String(total + group));
    group = 0;
    total = 0;
    inRun = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'num') {
      flush();
      into.push(t.text);
      continue;
    }
    const next = tokens[i + 1]?.text ?? '';
    // spelled fractions read like digits split at the slash: `two thirds` = 2/3 -> 2, 3
    const count = COUNT_WORDS.has(t.text) ? (NUMBER_WORDS[t.text] ?? 1) : undefined;
    if (!inRun && count !== undefined && FRACTION_WORDS[next] !== undefined) {
      into.push(String(count), String(FRACTION_WORDS[next]));
      i++;
      continue;
    }
    if (!inRun && FRACTION_WORDS[t.text] !== undefined && (t.text === 'half' || t.text === 'quarter')) {
      into.push('1', String(FRACTION_WORDS[t.text]));
      continue;
    }
    if (OPTIONAL_ONE.has(t.text) && !inRun && NUMBER_SCALES[next] === undefined) {
      optionalOnes++;
      continue;
    }
    const unit = t.text === 'one' ? 1 : (NUMBER_WORDS[t.text] ?? ORDINAL_WORDS[t.text]);
    const scale = NUMBER_SCALES[t.text];
    if (unit !== undefined) {
      if (inRun && group !== 0 && unit >= 10) flush(); // `ten twenty` are two numbers
      group += unit;
      inRun = true;
    } else if (scale !== undefined) {
      total += (group || 1) * scale;
      group = 0;
      inRun = true;
    } else if (!(inRun && t.text === 'and')) {
      flush();
    }
  }
  flush();
  return optionalOnes;
}

/** Extracts every feature the guards need from one text. */
export function analyzeText(text: string): TextFeatures {
  const tokens = tokenize(text);
  const words = new Set<string>();
  const numbers: string[] = [];
  const units = new Set<string>();
  const languages = new Set<string>();
  const groupSets = new Map<number, Set<number>>();
  const properNouns = new Set<string>();
  let negations = 0;
  const codeContext = tokens.some((t) => CODE_CUE_SET.has(t.text));
  let sentenceStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    words.add(t.text);
    if (NEGATION_SET.has(t.text)) negations++;
    const unit = UNITS[t.text];
    if (unit !== undefined) units.add(unit);
    const lang = LANGUAGES[t.text];
    if (lang !== undefined && t.kind === 'word') {
      const prev = i > 0 ? tokens[i - 1]!.text : '';
      const isLanguage =
        !AMBIGUOUS_SET.has(t.text) ||
        codeContext ||
        prev === 'in' ||
        prev === 'using' ||
        (!sentenceStart && CAPITALIZED.test(t.raw));
      // one-letter names (c, r) only after `in`/`using` or in a code context, and never as `a`/`i`
      if (isLanguage && (t.text.length > 1 || (prev === 'in' || prev === 'using' ? true : codeContext)))
        languages.add(lang);
    }
    const capitalizedMay = t.text === 'may' && !sentenceStart && CAPITALIZED.test(t.raw);
    // `show me how` is a request, not the opposite of `hide`
    const requestShow = t.text === 'show' && OBJECT_PRONOUNS.has(tokens[i + 1]?.text ?? '');
    // a question word asks only where it opens the sentence (`a friend who is sad` asks nothing)
    const relativeWh = QUESTION_WORDS.has(t.text) && !sentenceStart;
    const skip = requestShow || relativeWh;
    for (const [gi, ci] of skip ? [] : (GROUP_INDEX.get(capitalizedMay ? 'may_month' : t.text) ?? [])) {
      let s = groupSets.get(gi);
      if (s === undefined) groupSets.set(gi, (s = new Set()));
      s.add(ci);
    }
    if (t.kind === 'word' && !sentenceStart && CAPITALIZED.test(t.raw) && t.text !== 'i' && !STOP_SET.has(t.text)) {
      properNouns.add(t.text);
    }
    sentenceStart = t.kind === 'sym' ? sentenceStart : false;
    if (SENTENCE_END.test(t.raw)) sentenceStart = true;
  }
  const optionalOnes = collectNumbers(tokens, numbers);
  numbers.sort();
  const groups = new Map<number, string>();
  for (const [gi, s] of groupSets) groups.set(gi, [...s].sort((x, y) => x - y).join(','));
  return { tokens, words, numbers, optionalOnes, units: [...units].sort(), languages, negations, groups, properNouns };
}

/** The exclusive group's source text, for guard details. */
export const groupLabel = (gi: number): string =>
  (EXCLUSIVE_GROUPS[gi] ?? '')
    .split('|')
    .map((c) => c.trim().split(' ')[0])
    .join('/');
