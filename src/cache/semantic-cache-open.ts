/**
 * Builds a SemanticCache from the `cache` config section: embedders, document stores (lmdb under
 * `mechanism.dataDir`, or memory), one HNSW index per enabled vector tier, verifier weights, and the
 * category centroids. Owns assembly only; the service decides nothing here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { CachePolicyConfig, LoadSignal } from '../core/cache/index.js';
import type { Config } from '../config/schema.js';
import type { Embedder } from './embedders/embedder.js';
import { createEmbedder } from './embedders/registry.js';
import { createSemanticIndex, type SemanticIndex } from './semantic-index.js';
import { SemanticCache } from './semantic-cache.js';
import type { CacheObserver } from './semantic-cache-types.js';
import { createLmdbDocumentStore } from './stores/lmdb-store.js';
import { createMemoryDocumentStore } from './stores/memory-store.js';
import { fileOverrideStore } from './policy-overrides.js';
import { verifierFor } from './verifier-weights.js';
import type { VerifierWeights } from './verifier.js';

export type CacheSection = Config['cache'];
export type MechanismConfig = CacheSection['mechanism'];

export interface OpenCacheDeps {
  readonly clock: Clock;
  readonly observer?: CacheObserver;
  readonly loadProbe?: () => LoadSignal | null;
  /** Overrides `mechanism.embedder` (the CLI's `--embedder`). */
  readonly embedder?: Embedder;
  /** Overrides the fitted verifier weights (the quality benchmark's `--fit`). */
  readonly verifier?: VerifierWeights;
}

/** The policy part of the cache section (everything but `enabled` and `mechanism`). */
export function policyOf(section: CacheSection): CachePolicyConfig {
  const { enabled: _enabled, mechanism: _mechanism, ...policy } = section;
  return policy;
}

export function createConfiguredEmbedder(m: MechanismConfig): Embedder {
  switch (m.embedder) {
    case 'use':
      return createEmbedder('use', { maxThreads: m.embedderThreads });
    case 'http':
      return createEmbedder('http', {
        baseUrl: m.http.baseUrl,
        model: m.http.model,
        dims: m.http.dims,
        timeoutMs: m.http.timeoutMs,
      });
    case 'hash':
      return createEmbedder('hash', { dims: 512 });
  }
}

async function openIndex(m: MechanismConfig, tier: string, dims: number, nowMs: number): Promise<SemanticIndex> {
  let dir: string | null = null;
  if (m.dataDir !== null) {
    dir = join(m.dataDir, tier);
    mkdirSync(join(dir, 'snapshots'), { recursive: true });
  }
  return createSemanticIndex({
    store: dir === null ? createMemoryDocumentStore() : createLmdbDocumentStore({ path: join(dir, 'documents') }),
    index: {
      dims,
      m: m.hnsw.m,
      efConstruction: m.hnsw.efConstruction,
      ef: m.hnsw.ef,
      maxElements: m.hnsw.maxElementsPerShard,
    },
    snapshotDir: dir === null ? null : join(dir, 'snapshots'),
    maxWorkers: m.workers,
    nowMs,
  });
}

/** Opens the cache (indexes warm from their stores and snapshots) and computes centroids. */
export async function openSemanticCache(section: CacheSection, deps: OpenCacheDeps): Promise<SemanticCache> {
  const m = section.mechanism;
  const nowMs = deps.clock.nowMs();
  const hashEmbedder = createEmbedder('hash', { dims: 512 });
  // a 'hash' semantic tier would duplicate the lexical tier: the lexical tier alone serves then
  const wantSemantic = m.tiers.semantic && (deps.embedder?.name ?? m.embedder) !== 'hash';
  const semanticEmbedder = wantSemantic ? (deps.embedder ?? createConfiguredEmbedder(m)) : null;
  const lexicalIndex = m.tiers.lexical ? await openIndex(m, 'lexical', hashEmbedder.dims, nowMs) : null;
  const semanticIndex =
    semanticEmbedder === null
      ? null
      : await openIndex(m, `semantic-${semanticEmbedder.name}`, semanticEmbedder.dims, nowMs);
  const cache = new SemanticCache({
    policy: policyOf(section),
    clock: deps.clock,
    exact: m.tiers.exact,
    hashEmbedder,
    lexicalIndex,
    semanticEmbedder,
    semanticIndex,
    verifiers: {
      lexical: verifierFor('hash'),
      semantic: deps.verifier ?? verifierFor(semanticEmbedder?.name ?? 'hash'),
    },
    ...(m.dataDir === null ? {} : { overrides: fileOverrideStore(join(m.dataDir, 'policy-overrides.json')) }),
    searchK: m.searchK,
    sweepIntervalMs: m.sweepIntervalMs,
    loadSampleIntervalMs: m.loadSampleIntervalMs,
    ownedEmbedders:
      deps.embedder === undefined && semanticEmbedder !== null ? [hashEmbedder, semanticEmbedder] : [hashEmbedder],
    ...(deps.observer === undefined ? {} : { observer: deps.observer }),
    ...(deps.loadProbe === undefined ? {} : { loadProbe: deps.loadProbe }),
  });
  await cache.init();
  return cache;
}
