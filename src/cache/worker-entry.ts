/**
 * Resolves a worker module next to its caller. Built code (`.js`) is used as is; when running
 * from TypeScript sources (tsx, vitest) a tiny bootstrap module that registers tsx and re-exports
 * the `.ts` worker is written once to the OS temp dir, since worker threads do not inherit loaders.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of a file a Worker (or piscina) can load for `<base>.js` / `<base>.ts` beside `fromUrl`. */
export function resolveWorkerFile(fromUrl: string, base: string): string {
  const js = new URL(`./${base}.js`, fromUrl);
  if (existsSync(fileURLToPath(js))) return fileURLToPath(js);
  const ts = new URL(`./${base}.ts`, fromUrl);
  if (!existsSync(fileURLToPath(ts))) throw new Error(`worker module ${base} not found beside ${fromUrl}`);
  // createRequire, not import.meta.resolve: the latter is missing under vite-node (vitest).
  const cjsApi = createRequire(fromUrl).resolve('tsx/esm/api');
  const mjsApi = cjsApi.replace(/\.cjs$/, '.mjs');
  const tsxApi = pathToFileURL(existsSync(mjsApi) ? mjsApi : cjsApi).href;
  const source = [
    `import { register } from ${JSON.stringify(tsxApi)};`,
    'register();',
    `const mod = await import(${JSON.stringify(ts.href)});`,
    'export default mod.default;',
    '',
  ].join('\n');
  const dir = join(tmpdir(), 'fairway-workers');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${base}-${createHash('sha1').update(source).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, file);
  }
  return file;
}
