/** Builds a SemanticCache over memory stores and the hash embedder, driven by a manual clock. */
import { ManualClock } from '../../src/core/clock.js';
import { asTenantId } from '../../src/core/ids.js';
import {
  DEFAULT_CACHE_POLICY,
  type CachePolicyConfig,
  type ChatMessage,
  type LoadSignal,
} from '../../src/core/cache/index.js';
import { createHashEmbedder } from '../../src/cache/embedders/hash-embedder.js';
import { createSemanticIndex } from '../../src/cache/semantic-index.js';
import { SemanticCache, type CacheLookupRequest, type FinishedAnswer } from '../../src/cache/semantic-cache.js';
import { createMemoryDocumentStore } from '../../src/cache/stores/memory-store.js';
import { verifierFor } from '../../src/cache/verifier-weights.js';

export async function buildCache(
  options: {
    policy?: CachePolicyConfig;
    semantic?: boolean;
    lexical?: boolean;
    exact?: boolean;
    loadProbe?: () => LoadSignal | null;
  } = {},
) {
  const clock = new ManualClock(1_000);
  const hash = createHashEmbedder(512);
  const open = () =>
    createSemanticIndex({
      store: createMemoryDocumentStore(),
      index: { dims: 512, initialCapacity: 16, maxElements: 1024 },
      snapshotDir: null,
      maxWorkers: 1,
      nowMs: clock.nowMs(),
    });
  const cache = new SemanticCache({
    policy: options.policy ?? DEFAULT_CACHE_POLICY,
    clock,
    exact: options.exact ?? true,
    hashEmbedder: hash,
    lexicalIndex: (options.lexical ?? true) ? await open() : null,
    // the hash embedder stands in for a semantic model: same code path, no model weights
    semanticEmbedder: (options.semantic ?? false) ? createHashEmbedder(512) : null,
    semanticIndex: (options.semantic ?? false) ? await open() : null,
    verifiers: { lexical: verifierFor('hash'), semantic: verifierFor('hash') },
    searchK: 4,
    sweepIntervalMs: 60_000,
    loadSampleIntervalMs: 500,
    ...(options.loadProbe === undefined ? {} : { loadProbe: options.loadProbe }),
  });
  await cache.init();
  return { cache, clock };
}

export function req(
  text: string,
  opts: {
    tenant?: string;
    category?: string;
    history?: ChatMessage[];
    cacheControl?: string;
    optOut?: boolean;
    temperature?: number;
  } = {},
): CacheLookupRequest {
  return {
    tenant: asTenantId(opts.tenant ?? 't1'),
    model: 'm',
    messages: [...(opts.history ?? []), { role: 'user', content: text }],
    categoryHeader: opts.category,
    cacheControl: opts.cacheControl,
    optOut: opts.optOut,
    temperature: opts.temperature ?? 0,
    sampling: { model: 'm', temperature: opts.temperature ?? 0 },
  };
}

export const finished = (text: string): FinishedAnswer => ({
  answer: {
    responseText: text,
    tokenIds: null,
    finishReason: 'stop',
    usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 },
    model: 'm',
  },
  response: { status: 200, finishReason: 'stop', error: false },
});

/** Looks up; on anything but a hit with a ticket, stores `answer`. Returns the lookup outcome. */
export async function lookupThenStore(cache: SemanticCache, r: CacheLookupRequest, answer: string) {
  const out = await cache.lookup(r);
  if (out.kind === 'miss' || (out.kind === 'bypass' && out.ticket !== null)) {
    await cache.store(out.ticket!, finished(answer));
  }
  return out;
}
