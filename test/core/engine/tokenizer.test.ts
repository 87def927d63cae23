import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyChatTemplate,
  ASSISTANT_TOKEN_ID,
  BOS_TOKEN_ID,
  decode,
  encode,
  isValidTokenId,
  USER_TOKEN_ID,
  VOCAB_SIZE,
} from '../../../src/core/engine/tokenizer.js';

describe('simulator tokenizer', () => {
  it('has a vocabulary of about 32k tokens', () => {
    expect(VOCAB_SIZE).toBe(32_000);
  });

  it('round-trips any well-formed string exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(decode(encode(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips mixed text with capitals, digits, emoji and spaces', () => {
    const s = '  Hello world, the model says: 42 tokens! 🚀 naïve café\n\tend';
    expect(decode(encode(s))).toBe(s);
  });

  it('encodes common lowercase words as one token each', () => {
    expect(encode('the cache server')).toHaveLength(3);
  });

  it('produces only valid ids', () => {
    for (const id of encode('Zürich ünïcode ✓ words')) expect(isValidTokenId(id)).toBe(true);
  });

  it('renders chat messages with role markers and a generation prompt', () => {
    const ids = applyChatTemplate([{ role: 'user', content: 'hello' }]);
    expect(ids[0]).toBe(BOS_TOKEN_ID);
    expect(ids[1]).toBe(USER_TOKEN_ID);
    expect(ids).toContain(ASSISTANT_TOKEN_ID);
    expect(decode(ids)).toBe('<s><|user|>\nhello<|end|>\n<|assistant|>\n');
    expect(decode(ids, { skipSpecialTokens: true })).toBe('\nhello\n\n');
  });
});
