/**
 * The `hash` embedder: a thin adapter over native/index.ts `hashEmbedBatch` (feature hashing, no
 * model weights). The native module is imported lazily so this file loads even where it is absent.
 */
import { FairwayError } from '../../errors.js';
import { splitRows } from './embedder.js';
import type { Embedder } from './embedder.js';

interface NativeHashModule {
  hashEmbedBatch(texts: readonly string[], dims?: number): Float32Array;
}

// A variable specifier keeps the type checker from requiring the module at build time.
const NATIVE_SPECIFIER = '../../../native/index.js';

let nativeModule: Promise<NativeHashModule> | null = null;

/** Loads native/index.ts (or .js when built); rejects with the reason when it is unavailable. */
export function loadNativeHash(): Promise<NativeHashModule> {
  nativeModule ??= (import(NATIVE_SPECIFIER) as Promise<NativeHashModule>).then((m) => {
    if (typeof m.hashEmbedBatch !== 'function') throw new Error('native/index does not export hashEmbedBatch');
    return m;
  });
  return nativeModule;
}

export class HashEmbedder implements Embedder {
  readonly name = 'hash';
  readonly dims: number;

  constructor(dims = 512) {
    this.dims = dims;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    let native: NativeHashModule;
    try {
      native = await loadNativeHash();
    } catch (e) {
      throw new FairwayError(
        'FW_ERR_EMBEDDER_FAILED',
        { embedder: 'hash', detail: e instanceof Error ? e.message : String(e) },
        { cause: e },
      );
    }
    const packed = native.hashEmbedBatch([...texts], this.dims);
    // The native batch is unit-norm per row already; rows are copied so callers may transfer them.
    return splitRows(packed, texts.length, this.dims).map((row) => row.slice());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const createHashEmbedder = (dims = 512): Embedder => new HashEmbedder(dims);
