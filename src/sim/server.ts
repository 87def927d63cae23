/**
 * `startSimServer`: one simulated vLLM instance behind vLLM's OpenAI-compatible HTTP API on plain
 * node:http, driven in real time by an EngineLoop. Owns listening, routing, socket tracking and the
 * crash fault; route bodies live in routes.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Engine } from '../core/engine/engine.js';
import { DEFAULT_PRESET } from '../core/engine/presets.js';
import type { EngineStats, SchedulingPolicy } from '../core/engine/types.js';
import { EngineLoop } from './engine-loop.js';
import { FaultState } from './faults.js';
import type { FaultOptions, FaultSettings } from './faults.js';
import { sendError, sendJson, SimHttpError } from './http-util.js';
import { SimMetrics } from './metrics.js';
import {
  handleDetokenize,
  handleEmbeddings,
  handleGeneration,
  handleMetrics,
  handleModels,
  handleSetFaults,
  handleTokenize,
} from './routes.js';
import type { SimContext } from './routes.js';

export type { FaultOptions, FaultSettings } from './faults.js';

export interface SimServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 (default) = any free port. */
  readonly port?: number;
  /** Engine preset name (src/core/engine/presets.ts). Default `llama3-8b-a100`. */
  readonly preset?: string;
  readonly kvTokens?: number;
  /** Model seed: servers with the same seed generate the same text. Default 0. */
  readonly seed?: number;
  /** Served model name. Default `fairway-sim`. */
  readonly model?: string;
  readonly faults?: FaultOptions;
  readonly maxModelLen?: number;
  /** vLLM `--scheduling-policy`. Default `priority` so the request `priority` field is honoured. */
  readonly schedulingPolicy?: SchedulingPolicy;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  /** Embedding dimension of /v1/embeddings. Default 384. */
  readonly embeddingDim?: number;
}

export interface SimServer {
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly model: string;
  readonly maxModelLen: number;
  /** True once the crash fault fired (sockets destroyed, no longer accepting). */
  readonly crashed: boolean;
  /** Merges fault settings (same keys as POST /sim/faults); returns the result. */
  setFaults(f: FaultOptions): FaultSettings;
  /** Engine statistics (the numbers /metrics exposes). */
  stats(): EngineStats;
  close(): Promise<void>;
}

export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const engine = new Engine({
    preset: options.preset ?? DEFAULT_PRESET,
    policy: options.schedulingPolicy ?? 'priority',
    ...(options.kvTokens === undefined ? {} : { kvTokens: options.kvTokens }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.maxModelLen === undefined ? {} : { maxModelLen: options.maxModelLen }),
    ...(options.maxNumSeqs === undefined ? {} : { maxNumSeqs: options.maxNumSeqs }),
    ...(options.maxNumBatchedTokens === undefined ? {} : { maxNumBatchedTokens: options.maxNumBatchedTokens }),
  });
  const model = options.model ?? 'fairway-sim';
  const faults = new FaultState(options.faults ?? {});
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let generatedTokens = 0;
  let crashed = false;

  const crash = (): void => {
    if (crashed) return;
    crashed = true;
    loop.close();
    server?.close();
    for (const s of sockets) s.destroy();
  };
  const loop = new EngineLoop(engine, (step) => {
    generatedTokens += step.outputs.length;
    const limit = faults.settings.crashAfterTokens;
    if (limit !== null && generatedTokens >= limit) crash();
  });
  const idPrefix = randomBytes(6).toString('hex');
  let idCounter = 0;
  const ctx: SimContext = {
    model,
    maxModelLen: engine.maxModelLen,
    loop,
    metrics: new SimMetrics(model),
    faults,
    embeddingDim: options.embeddingDim ?? 384,
    startedSec: Math.floor(Date.now() / 1000),
    nextId: (prefix) => `${prefix}${idPrefix}${(idCounter++).toString(16)}`,
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    const post = method === 'POST';
    if (post && path === '/v1/chat/completions') return handleGeneration(ctx, 'chat', req, res);
    if (post && path === '/v1/completions') return handleGeneration(ctx, 'completions', req, res);
    if (post && path === '/v1/embeddings') return handleEmbeddings(ctx, req, res);
    if (post && path === '/tokenize') return handleTokenize(ctx, req, res);
    if (post && path === '/detokenize') return handleDetokenize(ctx, req, res);
    if (post && path === '/sim/faults') return handleSetFaults(ctx, req, res);
    if (method === 'GET' && path === '/sim/faults') return sendJson(res, 200, faults.settings);
    if (method === 'GET' && path === '/v1/models') return handleModels(ctx, res);
    if (method === 'GET' && path === '/metrics') return handleMetrics(ctx, res);
    if ((method === 'GET' || method === 'HEAD') && path === '/health') {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    throw new SimHttpError(404, `Route ${method} ${path ?? ''} not found`);
  };

  server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof SimHttpError) sendError(res, err.status, err.message, err.param);
      else sendError(res, 500, `Internal simulator error: ${(err as Error).message}`);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
  });
  const srv = server;
  const closed = new Promise<void>((resolve) => srv.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      srv.off('error', reject);
      resolve();
    });
  });
  const port = (srv.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    model,
    maxModelLen: engine.maxModelLen,
    get crashed() {
      return crashed;
    },
    setFaults: (f) => faults.set(f),
    stats: () => engine.stats(),
    close() {
      loop.close();
      if (srv.listening) srv.close();
      for (const s of sockets) s.destroy();
      return closed;
    },
  };
}
