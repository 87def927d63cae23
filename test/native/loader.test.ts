/**
 * The loader in native/index.ts: picks the addon when it is built, falls back to TypeScript when
 * it is not (or when FAIRWAY_NATIVE=0), and the addon loads in worker threads (piscina pools).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fallbackImpl, HASH_SEED, kernels, nativeAvailable, nativeImpl, normalizeForHash } from '../../native/index.js';

const addonPath = fileURLToPath(new URL('../../native/build/Release/fairway_native.node', import.meta.url));
const addonBuilt = existsSync(addonPath);
if (!addonBuilt) console.warn(`[test/native] addon tests skipped: ${addonPath} is missing; run npm run native:build`);
const nativeDisabled = process.env['FAIRWAY_NATIVE'] === '0';
if (nativeDisabled) console.warn('[test/native] "uses the addon" skipped: FAIRWAY_NATIVE=0 is set');
const initialSetting = process.env['FAIRWAY_NATIVE'];

describe('native loader', () => {
  afterEach(() => {
    if (initialSetting === undefined) delete process.env['FAIRWAY_NATIVE'];
    else process.env['FAIRWAY_NATIVE'] = initialSetting;
    vi.resetModules();
  });

  it.skipIf(!addonBuilt || nativeDisabled)('uses the addon when it is built', () => {
    expect(nativeAvailable).toBe(true);
    expect(nativeImpl?.kind).toBe('native');
    expect(kernels.kind).toBe('native');
    const addon = createRequire(import.meta.url)(addonPath) as { hashSeed: number };
    expect(addon.hashSeed).toBe(HASH_SEED);
  });

  it('falls back to the TypeScript implementation when FAIRWAY_NATIVE=0', async () => {
    process.env['FAIRWAY_NATIVE'] = '0';
    vi.resetModules();
    const fresh = await import('../../native/index.js');
    expect(fresh.nativeAvailable).toBe(false);
    expect(fresh.nativeImpl).toBeNull();
    expect(fresh.nativeLoadError).toContain('FAIRWAY_NATIVE=0');
    expect(fresh.kernels.kind).toBe('fallback');
    expect(Array.from(fresh.hashEmbed('Fallback still embeds', 64))).toEqual(
      Array.from(fallbackImpl.hashEmbed('Fallback still embeds', 64)),
    );
  });

  it.skipIf(!addonBuilt)('rejects bad arguments inside the addon too, without crashing', () => {
    const raw = createRequire(import.meta.url)(addonPath) as Record<string, (...args: unknown[]) => unknown>;
    const v = new Float32Array(4);
    expect(() => raw['embed']!(5, 8)).toThrow(TypeError);
    expect(() => raw['embed']!('x', 0)).toThrow(RangeError);
    expect(() => raw['embedBatch']!(['x', null], 8)).toThrow(TypeError);
    expect(() => raw['dot']!(v, new Float32Array(3))).toThrow(RangeError);
    expect(() => raw['dot']!(v, new Float64Array(4))).toThrow(TypeError);
    expect(() => raw['topK']!(v, v, 2, 1)).toThrow(RangeError);
    expect(() => raw['topK']!(new Float32Array(0), v, 0, 1)).toThrow(RangeError);
    expect(() => raw['topK']!(v, v, 1, -1)).toThrow(RangeError);
    expect(() => raw['murmur3']!('abc', 0)).toThrow(TypeError);
  });

  it.skipIf(!addonBuilt)('loads the addon in a worker thread with identical output', async () => {
    const text = normalizeForHash('Worker threads share the addon, ça marche 🍕');
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const addon = require(workerData.addonPath);
       parentPort.postMessage(addon.embed(workerData.text, 128));`,
      { eval: true, workerData: { addonPath, text } },
    );
    try {
      const fromWorker = await new Promise<Float32Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('worker did not answer within 10 s')), 10_000);
        worker.once('message', (v: Float32Array) => {
          clearTimeout(timer);
          resolve(v);
        });
        worker.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      expect(Array.from(fromWorker)).toEqual(Array.from(fallbackImpl.hashEmbed(text, 128)));
    } finally {
      await worker.terminate();
    }
  });
});
