import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSemanticIndex } from '../../src/cache/semantic-index.js';
import { createLmdbDocumentStore } from '../../src/cache/stores/lmdb-store.js';
import { DIMS } from './helpers.js';

const ACKS_BEFORE_KILL = 40;

/** Runs the writer child until it has acknowledged `count` inserts, then SIGKILLs it; returns the acked ids. */
function runAndKill(dir: string, count: number): Promise<string[]> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const script = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsx, script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  let buffered = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${count} acks in time; stderr: ${stderr}`));
    }, 25_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length >= count && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (${signal}); stderr: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('crash recovery', () => {
  it('loses no acknowledged entry when the writing process is killed mid-stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-crash-'));
    mkdirSync(join(dir, 'snap'));
    try {
      const acked = await runAndKill(dir, ACKS_BEFORE_KILL);
      expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
      const index = await createSemanticIndex({
        store: createLmdbDocumentStore({ path: join(dir, 'db') }),
        index: { dims: DIMS, m: 8, efConstruction: 64, ef: 64, initialCapacity: 8, maxElements: 4096 },
        snapshotDir: join(dir, 'snap'),
        nowMs: 1,
        maxWorkers: 1,
      });
      // The snapshot taken at ack 10 is stale: everything after it must come back from the store.
      expect(index.openReport[0]?.snapshot.kind).toBe('loaded');
      expect(index.openReport[0]!.rebuiltEntries).toBeGreaterThan(0);
      const stats = await index.stats(1);
      expect(stats.code!.entries).toBeGreaterThanOrEqual(acked.length);
      const missing: string[] = [];
      for (const id of acked) {
        const doc = await index.getDocument('code', 't1', id);
        if (doc === undefined) {
          missing.push(id);
          continue;
        }
        const [top] = await index.search({ category: 'code', scopeKey: 't1', vector: doc.vector, k: 1, nowMs: 1 });
        if (top?.meta.id !== id) missing.push(id);
      }
      expect(missing).toEqual([]);
      await index.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
