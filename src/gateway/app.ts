/**
 * buildApp(deps): the fastify application, fully wired and never listening. Listening, signals and
 * process exit belong to the entry point (src/serve.ts). Framework types stop here: nothing below
 * gateway/ imports fastify.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { FairwayError } from '../errors.js';
import type { Coalescer } from '../cache/coalescer.js';
import type { CachedAnswer } from '../cache/stores/document-store.js';
import type { GatewayDeps } from './deps.js';
import { buildErrorHandler, sendError } from './error-handler.js';
import { registerGenerationRoutes } from './routes/generate.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerCacheAdminRoutes } from './routes/admin-cache.js';

/** Short, unique, cheap request ids: a per-process prefix plus a counter. */
function createRequestIdGenerator(): () => string {
  const prefix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  let counter = 0;
  return () => `${prefix}-${(counter++).toString(36)}`;
}

export interface GatewayApp {
  readonly app: FastifyInstance;
  /** Stops taking new generation requests (503 FW_ERR_SHUTTING_DOWN); in-flight ones finish. */
  readonly beginShutdown: () => void;
  /** Identical in-flight cacheable misses (null without the cache or with `cache.coalesce.enabled: false`). */
  readonly coalescer: Coalescer<CachedAnswer> | null;
}

export function buildApp(deps: GatewayDeps): GatewayApp {
  const { server } = deps.config;
  const app = Fastify({
    logger: deps.logger ?? { level: server.logLevel },
    bodyLimit: server.bodyLimitBytes,
    genReqId: createRequestIdGenerator(),
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // The API speaks JSON only: any other body type is 415 FW_ERR_UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');
  let shuttingDown = false;
  app.setErrorHandler(buildErrorHandler(server.bodyLimitBytes));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new FairwayError('FW_ERR_ROUTE_NOT_FOUND', { method: request.method, url: request.url })),
  );
  app.addHook('onRequest', (request, reply, done) => {
    if (shuttingDown && request.method === 'POST') {
      void sendError(reply, new FairwayError('FW_ERR_SHUTTING_DOWN', {}, { retryAfterMs: 1000 }));
      return;
    }
    done();
  });
  // One counter child per (route, status) seen: both are bounded by the routes and HTTP.
  const answered = new Map<string, { inc(): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const key = `${route} ${reply.statusCode}`;
    let counter = answered.get(key);
    if (counter === undefined) {
      counter = deps.metrics.requests.labels(route, String(reply.statusCode));
      answered.set(key, counter);
    }
    counter.inc();
    done();
  });
  const coalescer = registerGenerationRoutes(app, deps);
  registerOpsRoutes(app, deps, () => shuttingDown);
  registerAdminRoutes(app, deps);
  registerCacheAdminRoutes(app, deps);
  return {
    app,
    coalescer,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
