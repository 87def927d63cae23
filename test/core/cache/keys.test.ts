import { describe, expect, it } from 'vitest';
import { asTenantId } from '../../../src/core/ids.js';
import {
  contextFingerprint,
  exactKey,
  lastUserMessage,
  messageText,
  normalizePrompt,
  scopeKey,
} from '../../../src/core/cache/keys.js';
import type { ChatMessage, SamplingParams } from '../../../src/core/cache/types.js';

describe('normalizePrompt', () => {
  it.each([
    ['What is  the capital of France?', 'what is the capital of france'],
    ['  Hello\tWORLD \n', 'hello world'],
    ['Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ！', 'fullwidth text'],
    ['Is it 2.5 or 2,5?', 'is it 2.5 or 2,5'],
    ['Why?!...', 'why'],
    ['ﬁle name', 'file name'],
    ['Keep inner, punctuation: here.', 'keep inner, punctuation: here'],
    ['什么是人工智能？', '什么是人工智能'],
    ['', ''],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizePrompt(input)).toBe(expected);
  });
});

const sys = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('lastUserMessage and contextFingerprint', () => {
  it('extracts the last user message, joining text content parts', () => {
    const parts: ChatMessage = {
      role: 'user',
      content: [{ type: 'text', text: 'first' }, { type: 'image_url' }, { type: 'text', text: 'second' }],
    };
    expect(lastUserMessage([user('a'), assistant('b'), parts])).toBe('first\nsecond');
    expect(lastUserMessage([sys('s')])).toBeNull();
    expect(messageText({ role: 'assistant', content: null })).toBe('');
  });

  it('gives identical last messages under different earlier turns different fingerprints', () => {
    const a = [user('Tell me about Alice'), assistant('Alice is 30.'), user('How old is she?')];
    const b = [user('Tell me about Carol'), assistant('Carol is 52.'), user('How old is she?')];
    expect(lastUserMessage(a)).toBe(lastUserMessage(b));
    expect(contextFingerprint(a)).not.toBe(contextFingerprint(b));
  });

  it('depends on the system prompt, roles and the partition, but not on the last user message', () => {
    const base = [sys('You are terse.'), user('hi')];
    expect(contextFingerprint(base)).toBe(contextFingerprint([sys('You are terse.'), user('hello there')]));
    expect(contextFingerprint(base)).not.toBe(contextFingerprint([sys('You are verbose.'), user('hi')]));
    expect(contextFingerprint(base)).not.toBe(contextFingerprint([user('You are terse.'), user('hi')]));
    expect(contextFingerprint(base, 'model-a')).not.toBe(contextFingerprint(base, 'model-b'));
    expect(contextFingerprint([user('x')])).toBe(contextFingerprint([user('y')]));
  });

  it('is exact: whitespace in earlier turns matters', () => {
    expect(contextFingerprint([user('a b'), assistant('ok'), user('q')])).not.toBe(
      contextFingerprint([user('a  b'), assistant('ok'), user('q')]),
    );
  });
});

describe('exactKey and scopeKey', () => {
  const sampling: SamplingParams = { model: 'm', temperature: 0, maxTokens: 100 };
  const key = (over: Partial<SamplingParams> = {}, category = 'code', scope = 'tenant:t1', fp = 'f'): string =>
    exactKey(category, scope, fp, 'how do i sort', { ...sampling, ...over });

  it('is stable for equal inputs and starts with category and scope', () => {
    expect(key()).toBe(key());
    expect(key()).toMatch(/^code\|tenant:t1\|[0-9a-f]{16}$/);
  });

  it.each<[string, Partial<SamplingParams>]>([
    ['temperature', { temperature: 0.5 }],
    ['model', { model: 'other' }],
    ['max tokens', { maxTokens: 101 }],
    ['seed', { seed: 1 }],
    ['top_p', { topP: 0.9 }],
    ['stop', { stop: ['\n'] }],
    ['response format', { responseFormat: 'json' }],
  ])('changes when the %s changes', (_name, over) => {
    expect(key(over)).not.toBe(key());
  });

  it('changes with category, scope and context fingerprint', () => {
    expect(key({}, 'math')).not.toBe(key());
    expect(key({}, 'code', 'tenant:t2')).not.toBe(key());
    expect(key({}, 'code', 'tenant:t1', 'g')).not.toBe(key());
  });

  it('scopes tenant categories per tenant and global ones to one partition', () => {
    expect(scopeKey('tenant', asTenantId('a'))).not.toBe(scopeKey('tenant', asTenantId('b')));
    expect(scopeKey('global', asTenantId('a'))).toBe(scopeKey('global', asTenantId('b')));
  });
});
