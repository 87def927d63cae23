/**
 * The gateway's Prometheus metrics (prom-client): the only module that imports prom-client.
 * Each gateway gets its own registry so tests and several in-process gateways do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TBT_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12];

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly inFlight: Gauge;
  readonly ttftSeconds: Histogram<'tenant' | 'priority'>;
  readonly tbtSeconds: Histogram<'tenant'>;
  readonly e2eSeconds: Histogram<'tenant' | 'priority'>;
  readonly generatedTokens: Counter<'tenant'>;
  readonly promptTokens: Counter<'tenant'>;
  readonly interruptions: Counter<'reason'>;
  readonly instanceUp: Gauge<'instance'>;
  /** The per-request series of one tenant and priority, resolved once and reused (no label lookups per request). */
  seriesFor(tenant: string, priority: number): RequestSeries;
}

export interface RequestSeries {
  readonly ttft: { observe(seconds: number): void };
  readonly tbt: { observe(seconds: number): void };
  readonly e2e: { observe(seconds: number): void };
  readonly promptTokens: { inc(n: number): void };
  readonly generatedTokens: { inc(n: number): void };
}

export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'fairway_process_' });
  const registers = [registry];
  const series = new Map<string, RequestSeries>();
  const metrics: Omit<GatewayMetrics, 'seriesFor'> = {
    registry,
    requests: new Counter({
      name: 'fairway_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'] as const,
      registers,
    }),
    inFlight: new Gauge({ name: 'fairway_in_flight_requests', help: 'Generation requests held now.', registers }),
    ttftSeconds: new Histogram({
      name: 'fairway_time_to_first_token_seconds',
      help: 'Arrival at the gateway to the first token sent to the client.',
      labelNames: ['tenant', 'priority'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    tbtSeconds: new Histogram({
      name: 'fairway_time_between_tokens_seconds',
      help: 'Gap between consecutive deltas sent to a client (stalls included).',
      labelNames: ['tenant'] as const,
      buckets: TBT_BUCKETS_S,
      registers,
    }),
    e2eSeconds: new Histogram({
      name: 'fairway_e2e_request_latency_seconds',
      help: 'Arrival at the gateway to the end of the response.',
      labelNames: ['tenant', 'priority'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    generatedTokens: new Counter({
      name: 'fairway_generation_tokens_total',
      help: 'Output tokens delivered to clients (recomputed tokens excluded).',
      labelNames: ['tenant'] as const,
      registers,
    }),
    promptTokens: new Counter({
      name: 'fairway_prompt_tokens_total',
      help: 'Prompt tokens of finished requests (counted once per request).',
      labelNames: ['tenant'] as const,
      registers,
    }),
    interruptions: new Counter({
      name: 'fairway_stream_interruptions_total',
      help: 'Upstream streams stopped and resumed, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    instanceUp: new Gauge({
      name: 'fairway_instance_up',
      help: '1 when the instance passes health checks, else 0.',
      labelNames: ['instance'] as const,
      registers,
    }),
  };
  return {
    ...metrics,
    seriesFor(tenant, priority) {
      // Tenants and priority classes are bounded by the config, so this map is too.
      const key = `${tenant}\u0001${priority}`;
      let found = series.get(key);
      if (found === undefined) {
        const p = String(priority);
        found = {
          ttft: metrics.ttftSeconds.labels(tenant, p),
          tbt: metrics.tbtSeconds.labels(tenant),
          e2e: metrics.e2eSeconds.labels(tenant, p),
          promptTokens: metrics.promptTokens.labels(tenant),
          generatedTokens: metrics.generatedTokens.labels(tenant),
        };
        series.set(key, found);
      }
      return found;
    },
  };
}
