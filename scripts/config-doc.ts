/** Writes docs/config.md from the config schema (`npm run docs:config`). */
import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from '../src/config/doc.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigDoc());
