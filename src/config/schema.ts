/**
 * The one configuration schema: TypeBox gives the static type, the validator and the defaults.
 * Every resource has a finite default; unknown keys are errors. Sections for later capabilities
 * (scheduler, cache, tenants) are added here, never in a second schema.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_CACHE_POLICY, DEFAULT_CATEGORIES, DEFAULT_LOAD, GENERIC_CATEGORY } from '../core/cache/defaults.js';
import { GUARD_NAMES } from '../core/cache/guards.js';
import type { CategoryConfig } from '../core/cache/types.js';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const PositiveMs = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 86_400_000, default: def, description });

export const ServerSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address the gateway listens on.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Gateway port (0 = any free port).' }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 64 * 1024 * 1024,
      default: 4 * 1024 * 1024,
      description: 'Largest accepted request body; larger bodies get 413 FW_ERR_BODY_TOO_LARGE.',
    }),
    requestTimeoutMs: PositiveMs(600_000, 'Upper bound on one request, queueing and generation included.'),
    shutdownGraceMs: PositiveMs(30_000, 'On SIGTERM, how long in-flight requests may take to finish.'),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info', description: 'pino log level.' },
    ),
    maxInFlight: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 4096,
      description: 'Requests the gateway holds at once (queued plus running); beyond it 429 FW_ERR_QUEUE_FULL.',
    }),
    maxUpstreamFailures: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 3,
      description:
        'Upstream failures (instance died, connection reset) one request survives by resuming elsewhere; the next one is returned to the client. Preemptions and migrations do not count.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const InstanceSchema = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[A-Za-z0-9._:-]+$',
      description: 'Stable instance id.',
    }),
    url: Type.String({ pattern: '^https?://', description: 'Base URL of the OpenAI-compatible server (no /v1).' }),
    kvCapacityTokens: Type.Optional(
      Type.Integer({ minimum: 1, description: 'KV-cache capacity in tokens ("GPU KV cache size" in vLLM logs).' }),
    ),
  },
  { additionalProperties: false },
);

export const BackendsSchema = Type.Object(
  {
    instances: Type.Array(InstanceSchema, { default: [], maxItems: 1024, description: 'The vLLM instances.' }),
    healthIntervalMs: PositiveMs(1000, 'How often /health is polled per instance.'),
    metricsIntervalMs: PositiveMs(50, 'How often /metrics is scraped per instance.'),
    staleMetricsMs: PositiveMs(200, 'Metrics older than this count the instance as saturated.'),
    connectTimeoutMs: PositiveMs(2000, 'TCP connect timeout to an instance.'),
    firstByteTimeoutMs: PositiveMs(300_000, 'Time allowed until the upstream answers headers.'),
    connectionsPerInstance: Type.Integer({
      minimum: 1,
      maximum: 4096,
      default: 256,
      description: 'Keep-alive connections per instance.',
    }),
    failuresBeforeDown: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 2,
      description: 'Consecutive failed health checks before an instance is marked down.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const SimSchema = Type.Object(
  {
    instances: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description: 'Simulated instances for `serve --demo`.',
    }),
    basePort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8101,
      description: 'First simulator port (0 = any).',
    }),
    preset: Type.String({ default: 'llama3-8b-a100', description: 'Engine preset (see `fairway sim --help`).' }),
    kvTokens: Type.Optional(Type.Integer({ minimum: 16, description: 'Override the preset KV capacity in tokens.' })),
    seed: Type.Integer({ minimum: 0, default: 0, description: 'Seed for the simulated text generator.' }),
    model: Type.String({ minLength: 1, default: 'fairway-sim-8b', description: 'Model name the simulator serves.' }),
  },
  { additionalProperties: false, default: {} },
);

const SchedInt = (def: number, minimum: number, maximum: number, description: string) =>
  Type.Integer({ minimum, maximum, default: def, description });

/** Mirrors `SchedulerOptions` in src/core/scheduler/options.ts (tenant weights come from the tenants). */
export const SchedulerSchema = Type.Object(
  {
    policy: Type.Union(
      [
        Type.Literal('rr'),
        Type.Literal('least-loaded'),
        Type.Literal('vtc'),
        Type.Literal('llumnix'),
        Type.Literal('fairway'),
      ],
      {
        default: 'least-loaded',
        description:
          'rr / least-loaded: FCFS, no holding; vtc: weighted VTC order, gateway-held queue; llumnix: FCFS, freeness placement, migration; fairway: VTC, freeness, preemption, migration.',
      },
    ),
    wIn: Type.Number({
      minimum: 0,
      maximum: 1000,
      default: 1,
      description: 'VTC price of a prompt token (charged once).',
    }),
    wOut: Type.Number({ minimum: 0, maximum: 1000, default: 2, description: 'VTC price of a generated token.' }),
    maxQueued: SchedInt(1024, 1, 1_000_000, 'Requests held in the gateway queue; beyond it 429 queue_full.'),
    maxQueuedPerTenant: SchedInt(256, 1, 1_000_000, 'Requests held per tenant; beyond it 429 tenant_queue_full.'),
    maxWaitingPerInstance: SchedInt(
      1,
      0,
      4096,
      'Holding policies dispatch only while an instance waits on at most this many.',
    ),
    maxRunningPerInstance: SchedInt(
      256,
      1,
      65_536,
      'Holding policies run at most this many requests per instance (max_num_seqs).',
    ),
    kvHighWater: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'Holding policies keep projected KV use at or under this fraction of capacity.',
    }),
    staleMetricsMs: SchedInt(
      200,
      1,
      86_400_000,
      'Older metrics count as saturated unless own accounting shows the instance idle.',
    ),
    preemptGapTokens: SchedInt(
      4096,
      0,
      1_000_000_000,
      'fairway: preempt for fairness only when the victim tenant leads by more than this (weighted tokens).',
    ),
    minRunQuantumMs: SchedInt(
      500,
      0,
      86_400_000,
      'A request runs at least this long before it may be preempted or load-migrated.',
    ),
    maxPreemptionsPerRequest: SchedInt(
      3,
      0,
      1000,
      'Preemptions plus load migrations per request (drain and failure are not capped).',
    ),
    migrationIntervalMs: SchedInt(50, 1, 86_400_000, 'llumnix / fairway: how often migrations are considered.'),
    freenessLowSteps: Type.Number({
      minimum: 0,
      default: 48,
      description: 'Freeness (decode steps per running request) below which an instance is a migration source.',
    }),
    freenessHighSteps: Type.Number({
      minimum: 0,
      default: 192,
      description: 'Freeness above which an instance is a migration destination.',
    }),
    priorityAgingMs: SchedInt(
      60_000,
      1,
      86_400_000,
      'Waiting this long raises a queued request one priority class (no starvation).',
    ),
    priorityHeadroom: Type.Number({
      minimum: 0,
      exclusiveMaximum: 1,
      default: 0,
      description:
        'KV fraction kept free for higher classes: while one arrived within priorityAgingMs, lower classes dispatch only up to kvHighWater minus this.',
    }),
    prefillPacingTokens: SchedInt(
      0,
      0,
      1_048_576,
      'fairway: while a higher class is active, lower classes go only where own not-yet-prefilled context stays within this (0 = off); shorter engine steps for urgent prefills, paid in lower-class latency under overload.',
    ),
    blockSizeTokens: SchedInt(
      16,
      1,
      4096,
      'vLLM KV block size: a same-instance resume recomputes only the last partial block.',
    ),
    forwardVllmPriority: Type.Boolean({
      default: false,
      description:
        'Forward a non-zero vLLM priority from the fairness order (needs vLLM --scheduling-policy priority).',
    }),
    vllmPriorityQuantumTokens: SchedInt(1024, 1, 1_000_000_000, 'Counter lead per vLLM priority step within a class.'),
    vllmPriorityClassStride: SchedInt(16, 1, 1_000_000, 'vLLM priority steps reserved per fairway priority class.'),
    retryAfterMinMs: SchedInt(1000, 0, 86_400_000, 'Lower bound of the Retry-After estimate on 429.'),
    retryAfterMaxMs: SchedInt(60_000, 0, 86_400_000, 'Upper bound of the Retry-After estimate on 429.'),
  },
  { additionalProperties: false, default: {} },
);

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const TenantSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$', description: 'Tenant id.' }),
    weight: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1_000_000,
      default: 1,
      description:
        'Weighted fair share: a tenant of weight 3 gets three times the service of weight 1 when both are backlogged.',
    }),
    maxPriority: Type.Integer({
      minimum: -1000,
      maximum: 1000,
      default: 0,
      description:
        'Highest priority class the tenant may ask for (larger is more urgent); requests above it are capped.',
    }),
    defaultPriority: Type.Integer({
      minimum: -1000,
      maximum: 1000,
      default: 0,
      description: 'Priority class of requests that ask for none.',
    }),
    apiKeySha256: Type.Array(Sha256Hex, {
      default: [],
      maxItems: 64,
      description:
        'SHA-256 (hex) of each API key of the tenant; keys are never stored in clear (`fairway keys hash KEY`).',
    }),
  },
  { additionalProperties: false },
);

export const AuthSchema = Type.Object(
  {
    anonymous: Type.Union([Type.Literal('auto'), Type.Boolean()], {
      default: 'auto',
      description:
        "Serve requests without a valid key as tenant 'anonymous'. 'auto': only when no tenant has an API key.",
    }),
    adminKeySha256: Type.Optional(
      Type.Union([Sha256Hex, Type.Null()], {
        description: 'SHA-256 (hex) of the admin key that guards /admin; env FAIRWAY_ADMIN_KEY (clear) also works.',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

// --- semantic cache policy (src/core/cache); per-category defaults come from core/cache/defaults.ts ---
const Unit = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: def, description });

const categorySchema = (d: CategoryConfig) =>
  Type.Object(
    {
      description: Type.String({ maxLength: 500, default: d.description, description: 'What belongs here.' }),
      priority: Type.Integer({
        minimum: -1000,
        maximum: 1000,
        default: d.priority,
        description: 'When rules of several categories match, the higher priority wins (ties: config order).',
      }),
      match: Type.Object(
        {
          regex: Type.Array(Type.String({ maxLength: 500 }), {
            maxItems: 64,
            default: [...d.match.regex],
            description: 'Regexes (case-insensitive, compiled once) tested against the last user message.',
          }),
          keywords: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
            maxItems: 500,
            default: [...d.match.keywords],
            description: 'Whole words or phrases (case-insensitive) in the last user message.',
          }),
          models: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
            maxItems: 64,
            default: [...d.match.models],
            description: 'Case-insensitive substrings of the requested model name.',
          }),
        },
        { additionalProperties: false, default: {}, description: 'Classification rules.' },
      ),
      exemplars: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
        maxItems: 256,
        default: [...d.exemplars],
        description: 'Sentences whose embedding centroid represents the category (centroid classification).',
      }),
      similarity: Unit(
        d.similarity,
        'Minimum verified score (verifier over cosine, lexical overlap and length; src/cache/verifier.ts) of a semantic hit at no load.',
      ),
      ttlSeconds: Type.Integer({
        minimum: 0,
        maximum: 365 * 86_400,
        default: d.ttlSeconds,
        description: 'Entry lifetime in seconds; 0 = never cache this category.',
      }),
      quota: Type.Object(
        {
          maxEntries: Type.Integer({
            minimum: 1,
            maximum: 10_000_000,
            default: d.quota.maxEntries,
            description: 'Most entries the category may hold (LRU eviction beyond).',
          }),
          maxBytes: Type.Integer({
            minimum: 1024,
            maximum: 64 * 1024 ** 3,
            default: d.quota.maxBytes,
            description: 'Most bytes of cached answers the category may hold.',
          }),
        },
        { additionalProperties: false, default: {}, description: 'Per-category memory share.' },
      ),
      scope: Type.Union([Type.Literal('tenant'), Type.Literal('global')], {
        default: d.scope,
        description: "'tenant': entries serve only the tenant that stored them; 'global': public content only.",
      }),
      maxTemperature: Type.Number({
        minimum: 0,
        maximum: 2,
        default: d.maxTemperature,
        description: 'Requests with a higher temperature neither read nor write the cache.',
      }),
      adaptive: Type.Object(
        {
          enabled: Type.Boolean({ default: d.adaptive.enabled, description: 'Adapt threshold and TTL to load.' }),
          thresholdDelta: Unit(d.adaptive.thresholdDelta, 'Largest lowering of `similarity` at full load.'),
          minSimilarity: Unit(d.adaptive.minSimilarity, 'The adapted threshold never goes below this floor.'),
          ttlFactor: Type.Number({
            minimum: 1,
            maximum: 10,
            default: d.adaptive.ttlFactor,
            description: 'Largest TTL multiplier at full load.',
          }),
        },
        { additionalProperties: false, default: {}, description: 'Load-adaptive adjustment, bounded.' },
      ),
    },
    { additionalProperties: false, default: {} },
  );

// --- semantic cache mechanism (src/cache): embedder, tiers, HNSW parameters, storage, workers ---
export const CacheMechanismSchema = Type.Object(
  {
    embedder: Type.Union([Type.Literal('use'), Type.Literal('hash'), Type.Literal('http')], {
      default: 'use',
      description:
        "Semantic tier embedder: 'use' (Universal Sentence Encoder lite, local, 512-d), 'http' (an OpenAI-compatible /v1/embeddings endpoint), 'hash' (feature hashing; no semantic model).",
    }),
    http: Type.Object(
      {
        baseUrl: Type.String({ default: 'http://127.0.0.1:8000', description: 'Base URL before /v1/embeddings.' }),
        model: Type.String({ default: 'embedding', description: 'Embedding model name sent upstream.' }),
        dims: Type.Integer({ minimum: 1, maximum: 8192, default: 384, description: 'Embedding dimensions.' }),
        timeoutMs: PositiveMs(5_000, 'Timeout of one embeddings request.'),
      },
      { additionalProperties: false, default: {}, description: "Settings of the 'http' embedder." },
    ),
    tiers: Type.Object(
      {
        exact: Type.Boolean({ default: true, description: 'Exact tier (normalized prompt, in memory).' }),
        lexical: Type.Boolean({ default: true, description: 'Lexical near-duplicate tier (feature hashing + HNSW).' }),
        semantic: Type.Boolean({ default: true, description: 'Semantic tier (the embedder above + HNSW).' }),
      },
      { additionalProperties: false, default: {}, description: 'Lookup tiers on or off.' },
    ),
    hnsw: Type.Object(
      {
        m: Type.Integer({ minimum: 4, maximum: 96, default: 16, description: 'HNSW M (graph degree).' }),
        efConstruction: Type.Integer({ minimum: 10, maximum: 2000, default: 200, description: 'HNSW efConstruction.' }),
        ef: Type.Integer({
          minimum: 10,
          maximum: 2000,
          default: 96,
          description: 'HNSW search breadth (hnswlib default 10 is too low).',
        }),
        maxElementsPerShard: Type.Integer({
          minimum: 16,
          maximum: 10_000_000,
          default: 200_000,
          description: 'Slot ceiling of one shard (category x scope).',
        }),
      },
      { additionalProperties: false, default: {}, description: 'HNSW index parameters.' },
    ),
    searchK: Type.Integer({ minimum: 1, maximum: 32, default: 4, description: 'Neighbours verified per tier.' }),
    dataDir: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description: 'Directory of the lmdb document store and index snapshots; null keeps everything in memory.',
    }),
    workers: Type.Integer({ minimum: 1, maximum: 16, default: 1, description: 'HNSW shard worker threads per tier.' }),
    embedderThreads: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 1,
      description: "Threads of the 'use' embedder pool.",
    }),
    sweepIntervalMs: PositiveMs(30_000, 'How often expired entries are swept.'),
    loadSampleIntervalMs: PositiveMs(500, 'How often downstream load is sampled for the adaptive policy.'),
  },
  { additionalProperties: false, default: {}, description: 'How the cache runs (not what it admits).' },
);

export const CacheSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Serve and store answers through the semantic cache (`fairway serve --demo` turns it on).',
    }),
    mechanism: CacheMechanismSchema,
    coalesce: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Identical cacheable misses in flight at once go upstream once: followers wait for the leader and get its answer as a hit (tier `coalesced`).',
        }),
        maxWaitMs: PositiveMs(
          300_000,
          'Longest a follower waits for the leader before going upstream itself; keep it below server.requestTimeoutMs.',
        ),
        maxFollowers: Type.Integer({
          minimum: 0,
          maximum: 100_000,
          default: 256,
          description: 'Followers one in-flight leader may carry; further identical requests go upstream on their own.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'Request coalescing keyed by the exact-tier key (category, scope/tenant, context, prompt, sampling).',
      },
    ),
    defaultCategory: Type.String({
      minLength: 1,
      default: DEFAULT_CACHE_POLICY.defaultCategory,
      description: 'Category used when neither the header, the rules nor the centroids decide.',
    }),
    centroidMinSimilarity: Unit(
      DEFAULT_CACHE_POLICY.centroidMinSimilarity,
      'A centroid decides the category only at or above this similarity.',
    ),
    centroidMargin: Unit(
      DEFAULT_CACHE_POLICY.centroidMargin,
      'A centroid decides only when it beats the runner-up by at least this similarity.',
    ),
    admitFinishReasons: Type.Array(Type.Union([Type.Literal('stop'), Type.Literal('length')]), {
      minItems: 1,
      maxItems: 2,
      default: [...DEFAULT_CACHE_POLICY.admitFinishReasons],
      description: "Finish reasons of answers that may be stored; add 'length' to store truncated answers.",
    }),
    allowTools: Type.Boolean({ default: false, description: 'Store answers to requests that offer tools.' }),
    defaultTemperature: Type.Number({
      minimum: 0,
      maximum: 2,
      default: DEFAULT_CACHE_POLICY.defaultTemperature,
      description: 'Temperature assumed when a request sets none (OpenAI default 1).',
    }),
    guards: Type.Array(Type.Union(GUARD_NAMES.map((g) => Type.Literal(g))), {
      maxItems: GUARD_NAMES.length,
      default: [...DEFAULT_CACHE_POLICY.guards],
      description: 'Hard-negative guards that can veto a semantic hit.',
    }),
    load: Type.Object(
      {
        engageAt: Unit(DEFAULT_LOAD.engageAt, 'Smoothed load pressure at which adaptation engages.'),
        releaseAt: Unit(DEFAULT_LOAD.releaseAt, 'Smoothed pressure at which it disengages (below engageAt).'),
        fullAt: Unit(DEFAULT_LOAD.fullAt, 'Pressure at which the full thresholdDelta / ttlFactor apply.'),
        riseHalfLifeMs: PositiveMs(DEFAULT_LOAD.riseHalfLifeMs, 'Half-life of the smoothed pressure while rising.'),
        fallHalfLifeMs: PositiveMs(DEFAULT_LOAD.fallHalfLifeMs, 'Half-life of the smoothed pressure while falling.'),
      },
      { additionalProperties: false, default: {}, description: 'Load signal smoothing and hysteresis.' },
    ),
    categories: Type.Object(
      Object.fromEntries(Object.entries(DEFAULT_CATEGORIES).map(([name, d]) => [name, categorySchema(d)])),
      {
        additionalProperties: categorySchema(GENERIC_CATEGORY),
        propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,62}$' },
        maxProperties: 64,
        default: {},
        description: 'Cache categories; defaults fill each named field, extra names get generic defaults.',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSchema,
    backends: BackendsSchema,
    sim: SimSchema,
    cache: CacheSchema,
    scheduler: SchedulerSchema,
    tenants: Type.Array(TenantSchema, {
      default: [],
      maxItems: 10_000,
      description: 'Tenants, their weights, priority ceilings and API keys.',
    }),
    auth: AuthSchema,
  },
  { additionalProperties: false, default: {} },
);

export type Config = Static<typeof ConfigSchema>;
export type ServerConfig = Static<typeof ServerSchema>;
export type BackendsConfig = Static<typeof BackendsSchema>;
export type InstanceConfig = Static<typeof InstanceSchema>;
export type SimConfig = Static<typeof SimSchema>;
export type CacheConfig = Static<typeof CacheSchema>;
export type SchedulerConfig = Static<typeof SchedulerSchema>;
export type TenantConfig = Static<typeof TenantSchema>;
export type AuthConfig = Static<typeof AuthSchema>;

export { Port };
