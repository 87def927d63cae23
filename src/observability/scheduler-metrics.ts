/**
 * Turns the scheduler's observations into Prometheus metrics: queue depth, VTC counter and service
 * tokens per tenant; preemptions, migrations and recompute tokens by reason; rejections; queue wait.
 * Registered on the gateway's registry; the scheduler itself never sees prom-client.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SchedulerObserver } from '../core/scheduler/observer.js';

const WAIT_BUCKETS_S = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

interface TenantSeries {
  readonly vtc: { set(value: number): void };
  readonly prompt: { inc(value: number): void };
  readonly output: { inc(value: number): void };
  readonly depth: { set(value: number): void };
}

export function createSchedulerMetrics(registry: Registry): SchedulerObserver {
  const registers = [registry];
  const queueDepth = new Gauge({
    name: 'fairway_queue_depth',
    help: 'Requests held in the gateway queue, per tenant.',
    labelNames: ['tenant'] as const,
    registers,
  });
  const vtcCounter = new Gauge({
    name: 'fairway_vtc_counter',
    help: 'Virtual token counter per tenant (weighted service received).',
    labelNames: ['tenant'] as const,
    registers,
  });
  const serviceTokens = new Counter({
    name: 'fairway_service_tokens_total',
    help: 'Tokens served per tenant (prompt counted once at first dispatch, output as generated).',
    labelNames: ['tenant', 'kind'] as const,
    registers,
  });
  const preemptions = new Counter({
    name: 'fairway_preemptions_total',
    help: 'Running requests the gateway preempted, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const migrations = new Counter({
    name: 'fairway_migrations_total',
    help: 'Running requests the gateway moved to another instance, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const requeues = new Counter({
    name: 'fairway_requeues_total',
    help: 'In-flight requests put back into the queue as continuations, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const recomputeTokens = new Counter({
    name: 'fairway_recompute_tokens_total',
    help: 'Estimated tokens re-prefilled by continuations (overhead charged to no tenant).',
    labelNames: ['same_instance'] as const,
    registers,
  });
  const rejections = new Counter({
    name: 'fairway_rejections_total',
    help: 'Requests refused by admission control, by code.',
    labelNames: ['code'] as const,
    registers,
  });
  const queueWait = new Histogram({
    name: 'fairway_queue_wait_seconds',
    help: 'Time a request waited in the gateway queue before a dispatch.',
    labelNames: ['resume'] as const,
    buckets: WAIT_BUCKETS_S,
    registers,
  });
  // Per-tenant children, resolved once: observations arrive per streamed token, and a label lookup
  // per call would cost more than the update. Tenants are bounded by the config (plus 'anonymous').
  const byTenant = new Map<string, TenantSeries>();
  const seriesOf = (tenant: string): TenantSeries => {
    let series = byTenant.get(tenant);
    if (series === undefined) {
      series = {
        vtc: vtcCounter.labels(tenant),
        prompt: serviceTokens.labels(tenant, 'prompt'),
        output: serviceTokens.labels(tenant, 'output'),
        depth: queueDepth.labels(tenant),
      };
      byTenant.set(tenant, series);
    }
    return series;
  };
  const waitFresh = queueWait.labels('false');
  const waitResume = queueWait.labels('true');
  return {
    observe(o) {
      switch (o.type) {
        case 'charge': {
          const series = seriesOf(o.tenant);
          series.vtc.set(o.counter);
          // A prompt correction may refund (negative tokens); the service counter only counts up.
          if (o.tokens > 0) (o.kind === 'prompt' ? series.prompt : series.output).inc(o.tokens);
          break;
        }
        case 'lift':
          seriesOf(o.tenant).vtc.set(o.to);
          break;
        case 'queueDepth':
          seriesOf(o.tenant).depth.set(o.tenantDepth);
          break;
        case 'preempt':
          preemptions.inc({ reason: o.reason });
          break;
        case 'migrate':
          migrations.inc({ reason: o.reason });
          break;
        case 'requeue':
          requeues.inc({ reason: o.reason });
          break;
        case 'recompute':
          recomputeTokens.inc({ same_instance: String(o.sameInstance) }, o.tokens);
          break;
        case 'reject':
          rejections.inc({ code: o.code });
          break;
        case 'dispatch':
          (o.resume ? waitResume : waitFresh).observe(o.waitedMs / 1000);
          break;
        case 'done':
          break;
      }
    },
  };
}
