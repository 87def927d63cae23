/**
 * Synthesizes a prompt of roughly N tokens (N words from a small vocabulary of common one-token English
 * words), deterministic per request index and seed, unique per request so prefix caches see no false
 * sharing beyond what the trace implies. No I/O.
 */
import { SeededRng } from '../core/rng.js';

const WORDS = (
  'the of and to in is it you that he was for on are as with his they at be this have from or one had by ' +
  'word but what all were we when your can said there use an each she which do how their if will up other ' +
  'about out many then them these so some her would make like him time has look two more write go see ' +
  'number no way could people my than first water been call who now find long down day did get come made ' +
  'may part over new sound take only little work know place year live me back give most very'
).split(' ');

/** About `tokens` words; the first word names the request so two prompts never share a prefix block. */
export function synthesizePrompt(tokens: number, requestIndex: number, seed = 1): string {
  const n = Math.max(1, Math.round(tokens));
  const rng = new SeededRng((seed * 0x9e3779b1 + requestIndex) >>> 0);
  const parts = new Array<string>(n);
  parts[0] = `r${requestIndex}`;
  for (let i = 1; i < n; i++) parts[i] = WORDS[rng.int(WORDS.length)]!;
  return parts.join(' ');
}
