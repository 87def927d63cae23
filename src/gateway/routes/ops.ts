/**
 * Operational routes: GET /v1/models (the union of models the instances serve), /healthz (the process
 * is up), /readyz (at least one healthy instance) and /metrics (the gateway's Prometheus registry).
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.js';

export function registerOpsRoutes(app: FastifyInstance, deps: GatewayDeps, isShuttingDown: () => boolean): void {
  app.get('/v1/models', () => ({ object: 'list', data: deps.fleet.models() }));
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const ready = !isShuttingDown() && deps.fleet.anyHealthy();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
