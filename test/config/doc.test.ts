import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDoc } from '../../src/config/doc.js';

describe('docs/config.md', () => {
  it('matches the schema (regenerate with npm run docs:config)', () => {
    const committed = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigDoc());
  });

  it('documents every server setting with its default', () => {
    const doc = renderConfigDoc();
    expect(doc).toContain('| `server.port` | integer (0..65535) | `8080` |');
    expect(doc).toContain('| `backends.instances[].url` |');
  });
});
