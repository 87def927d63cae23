/**
 * Category policies set live through the admin API, kept so that a restart does not silently undo
 * them: a JSON file beside the cache data, replaced by writing a temporary file, syncing it and
 * renaming it over the old one (a crash leaves the old map or the new one, never half of either), or
 * nothing when the cache has no data directory. Stores and loads; what an override means is the
 * cache's business.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CategoryConfig } from '../core/cache/index.js';

export interface CategoryOverride {
  readonly config: CategoryConfig;
  /** ISO-8601 wall time of the PUT that set it. */
  readonly setAt: string;
}

export type OverrideMap = Readonly<Record<string, CategoryOverride>>;

export interface PolicyOverrideStore {
  /** False when overrides last only as long as the process. */
  readonly durable: boolean;
  /** The stored overrides, and why any part of the file could not be read (the rest still loads). */
  load(): Promise<{ readonly overrides: OverrideMap; readonly problems: readonly string[] }>;
  /** Replaces the stored map; resolves once it is on disk. */
  save(overrides: OverrideMap): Promise<void>;
}

export const MEMORY_OVERRIDE_STORE: PolicyOverrideStore = {
  durable: false,
  load: () => Promise.resolve({ overrides: {}, problems: [] }),
  save: () => Promise.resolve(),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function fileOverrideStore(path: string): PolicyOverrideStore {
  let writes: Promise<void> = Promise.resolve();
  return {
    durable: true,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { overrides: {}, problems: [] };
        return { overrides: {}, problems: [`${path}: ${(e as Error).message}`] };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return { overrides: {}, problems: [`${path}: not JSON (${(e as Error).message}); overrides ignored`] };
      }
      if (!isObject(parsed) || !isObject(parsed.categories)) {
        return { overrides: {}, problems: [`${path}: expected {"categories": {...}}; overrides ignored`] };
      }
      const overrides: Record<string, CategoryOverride> = {};
      const problems: string[] = [];
      for (const [name, entry] of Object.entries(parsed.categories)) {
        if (isObject(entry) && isObject(entry.config) && typeof entry.setAt === 'string') {
          overrides[name] = { config: entry.config as unknown as CategoryConfig, setAt: entry.setAt };
        } else problems.push(`${path}: category ${name}: expected {config, setAt}; ignored`);
      }
      return { overrides, problems };
    },
    save(overrides) {
      // one write at a time, in call order: the last PUT's map is the one left on disk
      const next = writes.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.tmp`;
        const file = await open(tmp, 'w');
        try {
          await file.writeFile(`${JSON.stringify({ categories: overrides }, null, 2)}\n`);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tmp, path);
      });
      writes = next.catch(() => undefined);
      return next;
    },
  };
}
