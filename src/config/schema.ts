/**
 * The one configuration schema: TypeBox gives the static type, the validator and the defaults.
 * Every resource has a finite default; unknown keys are errors. Sections for later capabilities
 * (scheduler, cache, tenants) are added here, never in a second schema.
 */
import { Type, type Static } from '@sinclair/typebox';

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

export const ConfigSchema = Type.Object(
  {
    server: ServerSchema,
    backends: BackendsSchema,
    sim: SimSchema,
  },
  { additionalProperties: false, default: {} },
);

export type Config = Static<typeof ConfigSchema>;
export type ServerConfig = Static<typeof ServerSchema>;
export type BackendsConfig = Static<typeof BackendsSchema>;
export type InstanceConfig = Static<typeof InstanceSchema>;
export type SimConfig = Static<typeof SimSchema>;

export { Port };
