/**
 * POST /v1/chat/completions and POST /v1/completions: validate, shape, look the request up in the
 * semantic cache (a hit is replayed without scheduling), join an identical in-flight request when
 * there is one (request coalescing: its answer is replayed like a hit), else queue through the
 * dispatcher, relay the generation as SSE frames (written straight to the socket) or one JSON body, and
 * offer the finished answer to the cache and to the requests that joined it.
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
import {
  cacheHeaders,
  cacheRequestOf,
  coalescedHeaders,
  finishedAnswerOf,
  replayBody,
  replayFrames,
} from '../cache-replay.js';
import type { LookupOutcome } from '../../cache/semantic-cache.js';
import type { CachedAnswer } from '../../cache/stores/document-store.js';
import {
  coalescableTicket,
  createCoalescer,
  isServable,
  realTimeouts,
  type Coalescer,
  type Follower,
  type Leader,
} from '../../cache/coalescer.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** Abort reason of a request that exceeded `server.requestTimeoutMs`. */
const TIMED_OUT = new Error('request timeout');

/** Registers the routes; returns the coalescer of identical in-flight misses (null without the cache or when off). */
export function registerGenerationRoutes(app: FastifyInstance, deps: GatewayDeps): Coalescer<CachedAnswer> | null {
  const schemaFor = { chat: ChatCompletionBody, completions: CompletionBody } as const;
  const gen: GenerationDeps = {
    dispatcher: deps.dispatcher,
    client: (instance) => deps.fleet.client(instance),
    classify: (error, instance) => deps.classifyUpstreamError(error, instance),
    instanceFailed: (instance) => deps.fleet.instanceFailed(instance),
    forwardPriority: deps.config.scheduler.forwardVllmPriority,
    maxInterruptions: deps.config.server.maxUpstreamFailures,
    log: app.log,
  };
  const inFlight = { count: 0 };
  const co = deps.config.cache.coalesce;
  const coalescer =
    deps.cache !== undefined && co.enabled
      ? createCoalescer<CachedAnswer>({
          maxWaitMs: co.maxWaitMs,
          maxFollowers: co.maxFollowers,
          timeouts: realTimeouts,
        })
      : null;
  if (coalescer !== null) {
    app.addHook('onClose', (_app, done) => {
      coalescer.close();
      done();
    });
  }
  for (const kind of ['chat', 'completions'] as const) {
    const url = kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    app.post(url, { schema: { body: schemaFor[kind] } }, (request, reply) =>
      handle(kind, request, reply, deps, gen, inFlight, coalescer),
    );
  }
  return coalescer;
}

async function handle(
  kind: ClientKind,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: GatewayDeps,
  gen: GenerationDeps,
  inFlight: { count: number },
  coalescer: Coalescer<CachedAnswer> | null,
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
  const cacheRequest = cacheRequestOf(kind, body, request.headers, tenant.id);
  const outcome = await lookupCache(deps, cacheRequest, request);
  const cacheHead = cacheHeaders(outcome);
  const id = asRequestId(request.id);
  const asked = typeof body.priority === 'number' ? body.priority : priorityHeader(request.headers);
  const priority = deps.tenants.priorityFor(tenant, asked);
  const job: GenerationJob = {
    id,
    kind,
    body,
    maxTokens: shape.maxTokens,
    clientStreams: shape.stream,
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
  const res = reply.raw;
  const replay = (answer: CachedAnswer, head: Record<string, string>): unknown => {
    if (!shape.stream) {
      reply.headers({ ...head, 'x-request-id': id });
      return replayBody(identity, answer);
    }
    reply.hijack();
    res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': id, ...head });
    res.end(replayFrames(identity, answer, shape.includeUsage));
    return undefined;
  };
  if (outcome?.kind === 'hit') return replay(outcome.answer, cacheHead);
  // a cacheable miss joins an identical request already upstream, or leads for the ones that follow
  const joinable =
    coalescer === null || deps.cache === undefined ? null : coalescableTicket(deps.cache.policy, outcome);
  let leader: Leader<CachedAnswer> | null = null;
  if (joinable !== null && coalescer !== null) {
    // Only requests of one priority class share a flight: an urgent request must not wait on a queued lower one.
    const flightKey = `${joinable.exactKey}\u001f${priority}`;
    const role = coalescer.lead(flightKey);
    if (role.role === 'follower') {
      const answer = await follow(role, res);
      deps.cacheMetrics?.coalesced(joinable.category, answer === null ? 'released' : 'hit');
      if (answer !== null) return replay(answer, coalescedHeaders(joinable));
      if (role.reason() === 'left') {
        reply.hijack(); // the client is gone: nobody to answer, and nothing for fastify to send
        return undefined;
      }
      // released (leader failed or too slow): go upstream, leading the next identical requests if free
      const again = coalescer.lead(flightKey, { join: false });
      if (again.role === 'leader') leader = again;
    } else if (role.role === 'leader') {
      leader = role;
    }
  }
  // hits and coalesced answers above do not count against the in-flight limit: they never reach a backend
  if (inFlight.count >= deps.config.server.maxInFlight) {
    leader?.fail();
    throw new FairwayError('FW_ERR_QUEUE_FULL', { detail: 'gateway in-flight limit' }, { retryAfterMs: 1000 });
  }
  const ticket = outcome === null || outcome.kind === 'unknown-category' ? null : outcome.ticket;
  const m = deps.metrics;
  const series = m.seriesFor(tenant.id, priority);
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  };
  res.on('close', onClose);
  // Same duration for every request: Node keeps these in one timer list with one handle.
  const timeout = setTimeout(() => controller.abort(TIMED_OUT), deps.config.server.requestTimeoutMs).unref();
  const timedOut = () => controller.signal.reason === TIMED_OUT;

  let started = false;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  let generated = 0;
  let promptIds: readonly number[] | null = null;
  let firstDelta = true;
  let lastTokenAt = 0;
  const sink: GenerationSink = {
    start(promptTokenIds) {
      started = true;
      lastTokenAt = performance.now();
      series.ttft.observe((lastTokenAt - startedAt) / 1000);
      if (!shape.stream) return;
      reply.hijack();
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': id, ...cacheHead });
      const opening = openingFrame(identity, promptTokenIds);
      if (opening !== null) res.write(opening);
      promptIds = promptTokenIds;
    },
    delta(text, tokenIds) {
      const now = performance.now();
      if (!firstDelta) series.tbt.observe((now - lastTokenAt) / 1000);
      lastTokenAt = now;
      generated += tokenIds?.length ?? 1;
      if (!shape.stream) return;
      const prompt = firstDelta && kind === 'completions' ? promptIds : undefined;
      firstDelta = false;
      // Frames produced in the same tick (several tokens in one upstream chunk) leave in one write.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
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
    series.promptTokens.inc(result.usage.prompt_tokens);
    series.e2e.observe((performance.now() - startedAt) / 1000);
    if (ticket !== null && deps.cache !== undefined) {
      // stored after the answer completed; the client never waits for the cache
      const cache = deps.cache;
      const finished = finishedAnswerOf(result, modelName);
      void cache.store(ticket, finished).catch((e: unknown) => {
        request.log.warn({ err: e }, 'cache store failed');
      });
      // followers get the answer exactly when the cache would store it (complete, successful)
      if (leader !== null && isServable(cache.policy, ticket, finished.response)) leader.finish(finished.answer);
    }
    if (!shape.stream) {
      reply.headers({ ...cacheHead, 'x-request-id': id });
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
    leader?.fail(); // error, abort or timeout: release the followers (no-op after finish)
    clearTimeout(timeout);
    inFlight.count -= 1;
    m.inFlight.dec();
    if (generated > 0) series.generatedTokens.inc(generated);
    res.off('close', onClose);
  }
}

/** Waits for the leader's answer; the follower's client going away stops the wait and nothing else. */
async function follow(role: Follower<CachedAnswer>, res: FastifyReply['raw']): Promise<CachedAnswer | null> {
  const onClose = (): void => {
    if (!res.writableFinished) role.leave();
  };
  res.on('close', onClose);
  if (res.destroyed) role.leave(); // gone while the cache was looked up
  try {
    return await role.answer;
  } finally {
    res.off('close', onClose);
  }
}

/** The cache's verdict, or null when the cache is off or failed (a broken cache never fails a request). */
async function lookupCache(
  deps: GatewayDeps,
  cacheRequest: Parameters<NonNullable<GatewayDeps['cache']>['lookup']>[0],
  request: FastifyRequest,
): Promise<LookupOutcome | null> {
  const cache = deps.cache;
  if (cache === undefined) return null;
  let outcome: LookupOutcome;
  try {
    outcome = await cache.lookup(cacheRequest);
  } catch (e) {
    request.log.warn({ err: e }, 'cache lookup failed; answering without the cache');
    return null;
  }
  if (outcome.kind === 'unknown-category') {
    throw new FairwayError(
      'FW_ERR_UNKNOWN_CATEGORY',
      { category: outcome.name, known: cache.policy.categoryNames.join(', ') },
      { param: 'x-fairway-category' },
    );
  }
  return outcome;
}
