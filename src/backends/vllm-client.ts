/**
 * The `BackendClient` for vLLM's OpenAI-compatible server, on one keep-alive undici `Pool` per
 * instance. Owns request shaping (forced streaming with usage and token ids), stream decoding and
 * error classification; it makes no scheduling decisions and never retries.
 */
import { Pool, type Dispatcher } from 'undici';
import type { InstanceId } from '../core/ids.js';
import type {
  BackendClient,
  GenerationDelta,
  GenerationEndpoint,
  InstanceMetrics,
  ModelCard,
  UpstreamGeneration,
} from '../core/ports.js';
import {
  CONNECT_ERROR_CODES,
  fromTransportError,
  UpstreamConnectionError,
  UpstreamHttpError,
  type UpstreamPhase,
} from './errors.js';
import { abortError, GenerationStream, parseErrorBody } from './generation-stream.js';
import { parseVllmMetrics } from './metrics-scraper.js';
import { normalizeFrame } from './chunk-normalizer.js';

export interface VllmClientOptions {
  readonly id: InstanceId;
  /** Base URL of the server, without `/v1` (e.g. `http://10.0.0.5:8000`). */
  readonly baseUrl: string;
  /** Keep-alive connections to this instance (default 256). */
  readonly connections?: number;
  /** TCP connect timeout (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** Time allowed until response headers arrive (default 300 000 ms). */
  readonly headersTimeoutMs?: number;
  /** Longest silence allowed between two body chunks (default 300 000 ms). */
  readonly bodyTimeoutMs?: number;
}

const PATHS: Record<GenerationEndpoint, string> = { chat: '/v1/chat/completions', completions: '/v1/completions' };
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream' } as const;

type ResponseData = Awaited<ReturnType<Pool['request']>>;

export function createVllmClient(options: VllmClientOptions): BackendClient {
  return new VllmClient(options);
}

class VllmClient implements BackendClient {
  readonly id: InstanceId;
  readonly baseUrl: string;
  readonly #pool: Pool;
  readonly #timeouts: { readonly connectMs: number; readonly headersMs: number; readonly bodyMs: number };

  constructor(options: VllmClientOptions) {
    this.id = options.id;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeouts = {
      connectMs: options.connectTimeoutMs ?? 2000,
      headersMs: options.headersTimeoutMs ?? 300_000,
      bodyMs: options.bodyTimeoutMs ?? 300_000,
    };
    this.#pool = new Pool(this.baseUrl, {
      connections: options.connections ?? 256,
      pipelining: 1,
      connect: { timeout: this.#timeouts.connectMs },
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
    });
  }

  generate(request: UpstreamGeneration, signal?: AbortSignal): AsyncIterable<GenerationDelta> {
    if (request.stream === false) return this.#generateOnce(request, signal);
    const given = request.body;
    const streamOptions = given['stream_options'];
    const body = JSON.stringify({
      ...given,
      stream: true,
      stream_options:
        typeof streamOptions === 'object' && streamOptions !== null
          ? { ...streamOptions, include_usage: true }
          : { include_usage: true },
      return_token_ids: true,
    });
    const path = PATHS[request.endpoint];
    const pool = this.#pool;
    return new GenerationStream({
      instanceId: this.id,
      endpoint: request.endpoint,
      model: typeof given['model'] === 'string' ? given['model'] : null,
      timeouts: this.#timeouts,
      signal,
      dispatch: (handler) => {
        pool.dispatch({ method: 'POST', path, body, headers: JSON_HEADERS }, handler);
      },
    });
  }

  async tokenize(
    body: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
  ): Promise<{ tokens: number[]; count: number }> {
    const model = typeof body['model'] === 'string' ? body['model'] : null;
    const json = (await this.#json('POST', '/tokenize', JSON.stringify(body), signal, model)) as {
      tokens?: unknown;
      count?: unknown;
    };
    const tokens = Array.isArray(json.tokens) ? (json.tokens as number[]) : [];
    return { tokens, count: typeof json.count === 'number' ? json.count : tokens.length };
  }

  async models(signal?: AbortSignal): Promise<ModelCard[]> {
    const json = (await this.#json('GET', '/v1/models', null, signal, null)) as { data?: unknown };
    return Array.isArray(json.data) ? (json.data as ModelCard[]) : [];
  }

  async metrics(signal?: AbortSignal): Promise<InstanceMetrics> {
    const response = await this.#send('GET', '/metrics', null, signal, null, undefined);
    try {
      return parseVllmMetrics(await response.body.text()).metrics;
    } catch (e) {
      throw this.#classify(e, 'stream', signal);
    }
  }

  /** True on a 2xx from `/health`; false on any other status or network failure. Rejects only on abort. */
  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      const response = await this.#send('GET', '/health', null, signal, null, undefined);
      await response.body.dump();
      return true;
    } catch {
      if (signal?.aborted === true) throw abortError(signal);
      return false;
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** A non-streamed generation: one JSON answer, normalized into a single final delta. */
  async *#generateOnce(request: UpstreamGeneration, signal?: AbortSignal): AsyncIterable<GenerationDelta> {
    const given: Record<string, unknown> = { ...request.body, stream: false, return_token_ids: true };
    delete given['stream_options'];
    const model = typeof given['model'] === 'string' ? given['model'] : null;
    const json = await this.#json('POST', PATHS[request.endpoint], JSON.stringify(given), signal, model);
    const frame = normalizeFrame(json, request.endpoint);
    if (frame.kind === 'error') throw new UpstreamHttpError(this.id, frame.status, frame.body, false, model);
    if (frame.kind === 'ignored' || frame.delta.finishReason === null) {
      throw new UpstreamConnectionError(this.id, 'stream', 'the answer has no finished choice', {
        code: 'FW_STREAM_TRUNCATED',
      });
    }
    yield frame.delta;
  }

  /** Sends a request; resolves on a 2xx, rejects with a classified error otherwise. */
  async #send(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    signal: AbortSignal | undefined,
    model: string | null,
    headers: Record<string, string> | undefined,
  ): Promise<ResponseData> {
    let response: ResponseData;
    try {
      const options: Dispatcher.RequestOptions = { method, path, body, signal: signal ?? null };
      const effectiveHeaders = headers ?? (body === null ? undefined : JSON_HEADERS);
      if (effectiveHeaders !== undefined) options.headers = effectiveHeaders;
      response = await this.#pool.request(options);
    } catch (e) {
      throw this.#classify(e, 'headers', signal);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    let text = '';
    try {
      text = await response.body.text();
    } catch {
      // The error status is what matters; an unreadable error body is reported as empty.
    }
    throw new UpstreamHttpError(this.id, response.statusCode, parseErrorBody(text), false, model);
  }

  async #json(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    signal: AbortSignal | undefined,
    model: string | null,
  ): Promise<unknown> {
    const response = await this.#send(method, path, body, signal, model, undefined);
    try {
      return await response.body.json();
    } catch (e) {
      throw this.#classify(e, 'stream', signal);
    }
  }

  #classify(e: unknown, phase: UpstreamPhase, signal: AbortSignal | undefined): Error {
    if (e instanceof UpstreamHttpError || e instanceof UpstreamConnectionError) return e;
    if (signal?.aborted === true) return abortError(signal);
    const code = (e as { code?: unknown } | null)?.code;
    const effective: UpstreamPhase =
      phase === 'headers' && typeof code === 'string' && CONNECT_ERROR_CODES.has(code) ? 'connect' : phase;
    return fromTransportError(e, this.id, effective, this.#timeouts);
  }
}
