/** Builds a gateway over fake backends for app.inject() tests; no sockets, no sleeps. */
import { asInstanceId, type RequestId } from '../../src/core/ids.js';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRng } from '../../src/core/rng.js';
import { createScheduler } from '../../src/core/scheduler/scheduler.js';
import type { Scheduler } from '../../src/core/scheduler/types.js';
import { resolveConfig } from '../../src/config/load.js';
import { FairwayError } from '../../src/errors.js';
import { buildApp } from '../../src/gateway/app.js';
import { Dispatcher } from '../../src/gateway/dispatcher.js';
import { createGatewayMetrics } from '../../src/observability/metrics.js';
import { createTenantDirectory } from '../../src/gateway/tenancy.js';
import { FakeBackend, fakeFleet } from './fakes.js';

export interface TestGatewayOptions {
  readonly backends?: FakeBackend[];
  readonly scheduler?: Scheduler;
  readonly config?: Record<string, unknown>;
  readonly adminKey?: string;
}

export function buildTestGateway(options: TestGatewayOptions = {}) {
  const backends = options.backends ?? [new FakeBackend({ id: 'a' }), new FakeBackend({ id: 'b' })];
  const clock = new ManualClock();
  const config = resolveConfig(options.config ?? {});
  const scheduler =
    options.scheduler ??
    createScheduler(
      {
        ...(config.scheduler as object),
        tenantWeights: Object.fromEntries(config.tenants.map((t) => [t.id, t.weight])),
      },
      { clock, rng: new SeededRng(1) },
    );
  const dispatcher = new Dispatcher({ scheduler, clock, tickIntervalMs: 50 });
  for (const b of backends) if (b.healthy) dispatcher.instanceUp(asInstanceId(b.id), 100_000);
  const fleet = fakeFleet(backends);
  const metrics = createGatewayMetrics({ defaultMetrics: false });
  const { app, beginShutdown } = buildApp({
    config,
    fleet,
    dispatcher,
    metrics,
    tenants: createTenantDirectory(config.tenants, config.auth, options.adminKey),
    logger: false,
    classifyUpstreamError: (error, instance) => {
      const code = (error as { code?: string }).code;
      if (code === 'ECONNRESET') {
        return {
          error: new FairwayError('FW_ERR_UPSTREAM_UNREACHABLE', { instance, detail: 'reset' }),
          retryable: true,
        };
      }
      return { error: new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail: String(error) }), retryable: false };
    },
  });
  return { app, backends, dispatcher, fleet, metrics, beginShutdown, clock };
}

/** Parses an SSE body into its data payloads (JSON objects, or the string '[DONE]'). */
export function parseSse(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}

export const asId = (s: string) => s as RequestId;
