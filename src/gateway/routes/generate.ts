/**
 * POST /v1/chat/completions and POST /v1/completions: validate, shape, queue through the dispatcher,
 * then relay the generation as SSE frames (written straight to the socket) or one JSON body.
 */
import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asRequestId } from '../../core/ids.js';
import { FairwayError, isFairwayError } from '../../errors.js';
import type { GatewayDeps } from '../deps.js';
import { runGeneration, type GenerationDeps, type GenerationJob, type GenerationSink } from '../generation.js';
import { shapeRequest } from '../request-shape.js';
import { priorityHeader } from '../tenancy.js';
import {
  DONE_FRAME,
  completeBody,
  deltaFrame,
  errorFrame,
  openingFrame,
  usageFrame,
  type ClientKind,
  type ResponseIdentity,
} from '../response-format.js';
import { ChatCompletionBody, CompletionBody } from '../schemas/openai.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** Abort reason of a request that exceeded `server.requestTimeoutMs`. */
const TIMED_OUT = new Error('request timeout');

export function registerGenerationRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  const schemaFor = { chat: ChatCompletionBody, completions: CompletionBody } as const;
  const gen: GenerationDeps = {
    dispatcher: deps.dispatcher,
    client: (instance) => deps.fleet.client(instance),
    classify: (error, instance) => deps.classifyUpstreamError(error, instance),
    instanceFailed: (instance) => deps.fleet.instanceFailed(instance),
    forwardPriority: false,
    maxInterruptions: 3,
    log: app.log,
  };
  const inFlight = { count: 0 };
  for (const kind of ['chat', 'completions'] as const) {
    const url = kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    app.post(url, { schema: { body: schemaFor[kind] } }, (request, reply) =>
      handle(kind, request, reply, deps, gen, inFlight),
    );
  }
}

async function handle(
  kind: ClientKind,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: GatewayDeps,
  gen: GenerationDeps,
  inFlight: { count: number },
): Promise<unknown> {
  const startedAt = performance.now();
  const tenant = deps.tenants.authenticate(request.headers);
  const body = request.body as Record<string, unknown>;
  const modelName = body.model as string;
  const model = deps.fleet.models().find((m) => m.id === modelName);
  if (model === undefined) {
    if (!deps.fleet.anyHealthy()) {
      throw new FairwayError('FW_ERR_NO_HEALTHY_BACKEND', { model: modelName }, { retryAfterMs: 1000 });
    }
    throw new FairwayError('FW_ERR_MODEL_NOT_FOUND', { model: modelName }, { param: 'model' });
  }
  const shape = shapeRequest(kind, body, model);
  if (inFlight.count >= deps.config.server.maxInFlight) {
    throw new FairwayError('FW_ERR_QUEUE_FULL', { detail: 'gateway in-flight limit' }, { retryAfterMs: 1000 });
  }
  const id = asRequestId(request.id);
  const asked = typeof body.priority === 'number' ? body.priority : priorityHeader(request.headers);
  const priority = deps.tenants.priorityFor(tenant, asked);
  const job: GenerationJob = {
    id,
    kind,
    body,
    maxTokens: shape.maxTokens,
    sched: {
      id,
      tenant: tenant.id,
      priority,
      model: modelName,
      promptTokens: shape.promptTokensEstimate,
      maxTokens: shape.maxTokens,
      preemptible: shape.preemptible,
    },
  };
  const identity: ResponseIdentity = {
    kind,
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${id}`,
    created: Math.floor(Date.now() / 1000),
    model: modelName,
    tokenIds: shape.returnTokenIds,
  };
  const m = deps.metrics;
  const tenantLabel = { tenant: tenant.id as string };
  const latencyLabels = { tenant: tenant.id as string, priority: String(priority) };
  const controller = new AbortController();
  const res = reply.raw;
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  };
  res.on('close', onClose);
  // Same duration for every request: Node keeps these in one timer list with one handle.
  const timeout = setTimeout(() => controller.abort(TIMED_OUT), deps.config.server.requestTimeoutMs).unref();
  const timedOut = () => controller.signal.reason === TIMED_OUT;

  let started = false;
  let promptIds: readonly number[] | null = null;
  let firstDelta = true;
  let lastTokenAt = 0;
  const sink: GenerationSink = {
    start(promptTokenIds) {
      started = true;
      lastTokenAt = performance.now();
      m.ttftSeconds.observe(latencyLabels, (lastTokenAt - startedAt) / 1000);
      if (!shape.stream) return;
      reply.hijack();
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': id });
      const opening = openingFrame(identity, promptTokenIds);
      if (opening !== null) res.write(opening);
      promptIds = promptTokenIds;
    },
    delta(text, tokenIds) {
      const now = performance.now();
      if (!firstDelta) m.tbtSeconds.observe(tenantLabel, (now - lastTokenAt) / 1000);
      lastTokenAt = now;
      m.generatedTokens.inc(tenantLabel, tokenIds?.length ?? 1);
      if (!shape.stream) return;
      const prompt = firstDelta && kind === 'completions' ? promptIds : undefined;
      firstDelta = false;
      if (!res.write(deltaFrame(identity, text, tokenIds, null, null, prompt))) {
        return once(res, 'drain').then(() => undefined);
      }
      return undefined;
    },
  };

  m.inFlight.inc();
  inFlight.count += 1;
  try {
    const result = await runGeneration(job, gen, sink, controller.signal);
    m.promptTokens.inc(tenantLabel, result.usage.prompt_tokens);
    m.e2eSeconds.observe(latencyLabels, (performance.now() - startedAt) / 1000);
    if (!shape.stream) {
      reply.header('x-request-id', id);
      return completeBody(identity, result);
    }
    if (!started) sink.start(result.promptTokenIds);
    const prompt = firstDelta && kind === 'completions' ? result.promptTokenIds : undefined;
    let tail = deltaFrame(identity, '', [], result.finishReason, result.stopReason, prompt);
    if (shape.includeUsage) tail += usageFrame(identity, result.usage);
    res.end(tail + DONE_FRAME);
    return undefined;
  } catch (error) {
    if (!started || !shape.stream) {
      if (timedOut()) {
        throw new FairwayError('FW_ERR_UPSTREAM_TIMEOUT', { timeoutMs: deps.config.server.requestTimeoutMs });
      }
      if (controller.signal.aborted) return undefined; // the client is gone: nobody to answer
      throw error;
    }
    const fwError = isFairwayError(error)
      ? error
      : new FairwayError('FW_ERR_INTERNAL', { requestId: id }, { cause: error });
    if (timedOut() || !controller.signal.aborted) {
      request.log.warn({ code: fwError.code }, 'stream failed after it started');
      res.end(errorFrame(fwError.toBody()) + DONE_FRAME);
    }
    return undefined;
  } finally {
    clearTimeout(timeout);
    inFlight.count -= 1;
    m.inFlight.dec();
    res.off('close', onClose);
  }
}
