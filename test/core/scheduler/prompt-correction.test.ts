import { describe, expect, it } from 'vitest';
import { asRequestId } from '../../../src/core/ids.js';
import { harness, req } from './helpers.js';

describe('the exact prompt length reported with the first token', () => {
  it('replaces the estimate in the prompt charge, once, on the first run only', () => {
    const h = harness({ policy: 'vtc' });
    h.up('x');
    h.arrive(req('r1', { promptTokens: 100 }));
    h.apply({ type: 'firstToken', id: asRequestId('r1'), promptTokens: 300 });
    const prompt = h.observed.flatMap((o) => (o.type === 'charge' && o.kind === 'prompt' ? [o.tokens] : []));
    expect(prompt).toEqual([100, 200]);
    expect(prompt.reduce((a, b) => a + b, 0)).toBe(300);
    // Resumed runs report no prompt length; a repeated exact value changes nothing.
    h.apply({ type: 'firstToken', id: asRequestId('r1'), promptTokens: 300 });
    expect(h.observed.filter((o) => o.type === 'charge' && o.kind === 'prompt')).toHaveLength(2);
  });

  it('ignores a prompt length for a request it does not know', () => {
    const h = harness({ policy: 'vtc' });
    h.up('x');
    expect(h.apply({ type: 'firstToken', id: asRequestId('nope'), promptTokens: 10 })).toEqual([]);
  });
});
