import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_POLICY } from '../../../src/core/cache/defaults.js';
import { createCachePolicy } from '../../../src/core/cache/policy.js';
import { request } from './helpers.js';

const policy = createCachePolicy(DEFAULT_CACHE_POLICY);

describe('classify', () => {
  it('lets the x-fairway-category header win over every rule, case-insensitively', () => {
    const r = policy.classify(request('What is the weather today?', { categoryHeader: ' Math ' }));
    expect(r).toEqual({ ok: true, category: 'math', source: 'header', detail: 'x-fairway-category' });
  });

  it('returns a tagged error for an unknown category header instead of guessing', () => {
    expect(policy.classify(request('hi', { categoryHeader: 'poetry' }))).toEqual({
      ok: false,
      error: 'unknown-category',
      name: 'poetry',
    });
  });

  it.each([
    ['What is the weather in Oslo right now?', 'volatile'],
    ['What is the current price of gold?', 'volatile'],
    ['Why does this function throw a TypeError?', 'code'],
    ['```js\nconsole.log(1)\n```', 'code'],
    ['How do I use git rebase?', 'code'],
    ['Solve 3x + 5 = 20', 'math'],
    ['What is the derivative of x^2?', 'math'],
    ['Who was the first emperor of Rome?', 'factual'],
    ['What is the capital of Peru?', 'factual'],
    ['Thank you, that helped a lot', 'conversation'],
    ['Write a limerick about a sleepy cat', 'conversation'],
  ])('classifies %j as %s by rules or default', (text, category) => {
    const r = policy.classify(request(text));
    expect(r.ok && r.category).toBe(category);
  });

  it('prefers the higher-priority category when several match (volatile beats code)', () => {
    const r = policy.classify(request('What is the latest version of Python released today?'));
    expect(r).toMatchObject({ ok: true, category: 'volatile', source: 'rule' });
  });

  it('matches model names', () => {
    const r = policy.classify(request('make it shorter', { model: 'Qwen2.5-Coder-7B' }));
    expect(r).toMatchObject({ ok: true, category: 'code', source: 'rule', detail: 'model ~ coder' });
  });

  it('matches keywords on word boundaries only', () => {
    // `apis` is not the keyword `api`, `gitter` is not `git`
    const r = policy.classify(request('I enjoy gitter chats and apis of bees'));
    expect(r).toMatchObject({ ok: true, category: 'conversation', source: 'default' });
  });

  it('falls back to centroid scores when no rule matches, with a margin', () => {
    const text = 'a sentence no rule recognises';
    expect(policy.classify(request(text), { factual: 0.71, conversation: 0.6 })).toMatchObject({
      category: 'factual',
      source: 'centroid',
    });
    // too close to the runner-up: default
    expect(
      policy.classify(
        request(text),
        new Map([
          ['factual', 0.71],
          ['code', 0.69],
        ]),
      ),
    ).toMatchObject({
      category: 'conversation',
      source: 'default',
    });
    // too weak: default
    expect(policy.classify(request(text), { math: 0.3 })).toMatchObject({ source: 'default' });
  });

  it('is deterministic: the same request always gets the same answer', () => {
    const r = request('Is 91 a prime number?');
    const first = policy.classify(r);
    for (let i = 0; i < 5; i++) expect(policy.classify(r)).toEqual(first);
  });
});
