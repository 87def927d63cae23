/**
 * Maps an embedder config name to its factory. The lead wires config values into these options;
 * adding an embedder means one file plus one line here.
 */
import type { Embedder } from './embedder.js';
import { createHashEmbedder } from './hash-embedder.js';
import { createHttpEmbedder } from './http-embedder.js';
import type { HttpEmbedderOptions } from './http-embedder.js';
import { createUseEmbedder } from './use-embedder.js';
import type { UseEmbedderOptions } from './use-embedder.js';

export interface EmbedderConfigs {
  readonly use: UseEmbedderOptions;
  readonly http: HttpEmbedderOptions;
  readonly hash: { readonly dims?: number };
}

export type EmbedderName = keyof EmbedderConfigs;

export const EMBEDDER_FACTORIES: { readonly [N in EmbedderName]: (options: EmbedderConfigs[N]) => Embedder } = {
  use: (options) => createUseEmbedder(options),
  http: (options) => createHttpEmbedder(options),
  hash: (options) => createHashEmbedder(options.dims ?? 512),
};

export const isEmbedderName = (name: string): name is EmbedderName => Object.hasOwn(EMBEDDER_FACTORIES, name);

export function createEmbedder<N extends EmbedderName>(name: N, options: EmbedderConfigs[N]): Embedder {
  return EMBEDDER_FACTORIES[name](options);
}
