import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, FairwayError } from '../src/errors.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.keys(ERROR_CATALOGUE))('documents %s in docs/errors.md', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it('documents no code that the catalogue does not have', () => {
    const documented = [...doc.matchAll(/\| `(\w+)` \|/g)].map((m) => m[1]);
    expect(documented.filter((c) => !(c! in ERROR_CATALOGUE))).toEqual([]);
  });

  it('renders an OpenAI-style body with the stable code and the filled message', () => {
    const e = new FairwayError('FW_ERR_MODEL_NOT_FOUND', { model: 'gpt-x' }, { param: 'model' });
    expect(e.status).toBe(404);
    expect(e.toBody()).toEqual({
      error: {
        message: 'The model `gpt-x` does not exist or is not served here',
        type: 'invalid_request_error',
        param: 'model',
        code: 'FW_ERR_MODEL_NOT_FOUND',
      },
    });
  });
});
