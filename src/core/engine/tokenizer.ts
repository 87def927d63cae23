/**
 * The simulator's deterministic tokenizer: a synthetic ~32k vocabulary of lowercase words (with and
 * without a leading space) plus 256 byte-fallback tokens, so `decode(encode(s)) === s` for any string,
 * and a tiny chat template with role-marker special tokens. Pure; no model files.
 */

export const BOS_TOKEN_ID = 0;
export const EOS_TOKEN_ID = 1;
/** Ids 2..257 are the bytes 0x00..0xff. */
export const BYTE_TOKEN_BASE = 2;
export const SYSTEM_TOKEN_ID = 258;
export const USER_TOKEN_ID = 259;
export const ASSISTANT_TOKEN_ID = 260;
export const END_TURN_TOKEN_ID = 261;
export const FIRST_WORD_TOKEN_ID = 262;

const SPECIAL_TEXT: readonly string[] = ['<s>', '</s>'];
const ROLE_TEXT: readonly string[] = ['<|system|>', '<|user|>', '<|assistant|>', '<|end|>'];

const COMMON_WORDS = (
  'the of and to a in is it you that he was for on are with as his they be at one have this from or ' +
  'had by hot word but what some we can out other were all there when up use your how said an each she ' +
  'which do their time if will way about many then them write would like so these her long make thing ' +
  'see him two has look more day could go come did number sound no most people my over know water than ' +
  'call first who may down side been now find any new work part take get place made live where after ' +
  'back little only round man year came show every good me give our under name very through just form ' +
  'sentence great think say help low line differ turn cause much mean before move right boy old too same ' +
  'tell does set three want air well also play small end put home read hand port large spell add even ' +
  'land here must big high such follow act why ask men change went light kind off need house picture try ' +
  'us again animal point mother world near build self earth father hello answer question request model ' +
  'token cache queue server client data system user assistant please explain write summary story code'
).split(' ');

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z', 'br', 'st', 'tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
/** Number of distinct base words; each appears twice in the vocabulary (bare and space-prefixed). */
const BASE_WORD_COUNT = 15_869;

function buildBaseWords(): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  const add = (w: string): void => {
    if (words.length < BASE_WORD_COUNT && !seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  };
  for (const w of COMMON_WORDS) add(w);
  const syllables: string[] = [];
  for (const o of ONSETS) for (const v of VOWELS) syllables.push(o + v);
  for (const a of syllables) for (const b of syllables) add(a + b);
  for (const c of ['n', 'r', 's', 'l', 't']) for (const a of syllables) for (const b of syllables) add(a + b + c);
  return words;
}

const BASE_WORDS = buildBaseWords();
/** Vocabulary size: specials, bytes, role markers and two forms of every base word. */
export const VOCAB_SIZE = FIRST_WORD_TOKEN_ID + 2 * BASE_WORDS.length;
/** Number of space-prefixed word tokens (the generator's output alphabet). */
export const SPACED_WORD_COUNT = BASE_WORDS.length;

const PIECES: string[] = new Array<string>(VOCAB_SIZE).fill('');
const PIECE_TO_ID = new Map<string, number>();
for (let i = 0; i < BASE_WORDS.length; i++) {
  const w = BASE_WORDS[i] ?? '';
  PIECES[FIRST_WORD_TOKEN_ID + 2 * i] = ' ' + w;
  PIECES[FIRST_WORD_TOKEN_ID + 2 * i + 1] = w;
  PIECE_TO_ID.set(' ' + w, FIRST_WORD_TOKEN_ID + 2 * i);
  PIECE_TO_ID.set(w, FIRST_WORD_TOKEN_ID + 2 * i + 1);
}

/** The id of the i-th space-prefixed word token, 0 <= i < SPACED_WORD_COUNT. */
export function spacedWordTokenId(i: number): number {
  return FIRST_WORD_TOKEN_ID + 2 * i;
}

export function isSpecialTokenId(id: number): boolean {
  return id === BOS_TOKEN_ID || id === EOS_TOKEN_ID || (id >= SYSTEM_TOKEN_ID && id <= END_TURN_TOKEN_ID);
}

export function isValidTokenId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < VOCAB_SIZE;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function isLowerAscii(code: number): boolean {
  return code >= 97 && code <= 122;
}

function pushBytes(text: string, out: number[]): void {
  for (const b of encoder.encode(text)) out.push(BYTE_TOKEN_BASE + b);
}

/** Encodes text to token ids (no BOS). Lowercase words map to word tokens; everything else to bytes. */
export function encode(text: string, out: number[] = []): number[] {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = i;
    if (text.charCodeAt(i) === 32 && i + 1 < n && isLowerAscii(text.charCodeAt(i + 1))) i++;
    if (isLowerAscii(text.charCodeAt(i))) {
      while (i < n && isLowerAscii(text.charCodeAt(i))) i++;
      const piece = text.slice(start, i);
      const id = PIECE_TO_ID.get(piece);
      if (id !== undefined) out.push(id);
      else pushBytes(piece, out);
      continue;
    }
    // A run of non-word characters up to the next word start goes through byte fallback.
    i++;
    while (i < n && !isLowerAscii(text.charCodeAt(i)) && text.charCodeAt(i) !== 32) i++;
    pushBytes(text.slice(start, i), out);
  }
  return out;
}

export interface DecodeOptions {
  /** Drop BOS/EOS and role markers (as vLLM does for generated text). Default false. */
  readonly skipSpecialTokens?: boolean;
}

/** Decodes ids to text; byte runs are decoded as UTF-8 (invalid sequences become U+FFFD). */
export function decode(ids: readonly number[], options: DecodeOptions = {}): string {
  const skip = options.skipSpecialTokens === true;
  let text = '';
  let bytes: number[] | null = null;
  for (const id of ids) {
    if (id >= BYTE_TOKEN_BASE && id < SYSTEM_TOKEN_ID) {
      (bytes ??= []).push(id - BYTE_TOKEN_BASE);
      continue;
    }
    if (bytes !== null) {
      text += decoder.decode(Uint8Array.from(bytes));
      bytes = null;
    }
    if (id >= FIRST_WORD_TOKEN_ID) text += PIECES[id] ?? '';
    else if (id < BYTE_TOKEN_BASE) text += skip ? '' : (SPECIAL_TEXT[id] ?? '');
    else text += skip ? '' : (ROLE_TEXT[id - SYSTEM_TOKEN_ID] ?? '');
  }
  if (bytes !== null) text += decoder.decode(Uint8Array.from(bytes));
  return text;
}

/** Text of one generated token; the generator only emits word, ASCII byte and EOS tokens. */
export function tokenText(id: number): string {
  if (id >= FIRST_WORD_TOKEN_ID) return PIECES[id] ?? '';
  if (id >= BYTE_TOKEN_BASE && id < BYTE_TOKEN_BASE + 128) return String.fromCharCode(id - BYTE_TOKEN_BASE);
  if (id >= BYTE_TOKEN_BASE && id < SYSTEM_TOKEN_ID) return decode([id]);
  return '';
}

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

const ROLE_IDS: Readonly<Record<string, number>> = {
  system: SYSTEM_TOKEN_ID,
  developer: SYSTEM_TOKEN_ID,
  user: USER_TOKEN_ID,
  assistant: ASSISTANT_TOKEN_ID,
};

/**
 * Renders chat messages: `<s>` then per message `<|role|>\n{content}<|end|>\n`, then `<|assistant|>\n`
 * when `addGenerationPrompt` (default true). Unknown roles (tool, function) render as user turns.
 */
export function applyChatTemplate(messages: readonly ChatMessage[], addGenerationPrompt = true): number[] {
  const out: number[] = [BOS_TOKEN_ID];
  for (const m of messages) {
    out.push(ROLE_IDS[m.role] ?? USER_TOKEN_ID);
    encode('\n' + m.content, out);
    out.push(END_TURN_TOKEN_ID);
    encode('\n', out);
  }
  if (addGenerationPrompt) {
    out.push(ASSISTANT_TOKEN_ID);
    encode('\n', out);
  }
  return out;
}
