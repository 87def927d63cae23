/**
 * Streaming OpenAI client for replay: sends one chat or completions request with `stream: true` over an
 * undici dispatcher and timestamps every content delta as it arrives. Never throws for request failures:
 * it returns a RequestRecord with `ok: false` and the error. Owns no scheduling and no metrics.
 */
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { RequestRecord } from './record.js';

export type ApiKind = 'chat' | 'completions';

export interface StreamRequest {
  readonly id: string;
  readonly tenant: string;
  readonly weight: number;
  readonly priority: number;
  readonly prompt: string;
  readonly promptTokens: number;
  readonly maxTokens: number;
  readonly sessionId?: string;
  /** vLLM `priority` body field (lower is served earlier); omitted when undefined. */
  readonly vllmPriority?: number;
}

export interface StreamClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8000 (the /v1/... path is appended). */
  readonly baseUrl: string;
  readonly model: string;
  readonly api: ApiKind;
  readonly dispatcher: Dispatcher;
  /** Milliseconds on the run's timeline (the same clock as the sender's). */
  nowMs(): number;
  /** tenant -> API key, sent as `Authorization: Bearer`. */
  readonly tenantKeys?: ReadonlyMap<string, string>;
  readonly defaultKey?: string;
}

interface StreamState {
  tokenTimesMs: number[];
  usageTokens: number | null;
  finished: boolean;
  error: string | null;
}

function bodyFor(req: StreamRequest, options: StreamClientOptions): string {
  const common = {
    model: options.model,
    max_tokens: req.maxTokens,
    min_tokens: req.maxTokens,
    ignore_eos: true,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
    ...(req.vllmPriority !== undefined ? { priority: req.vllmPriority } : {}),
  };
  return JSON.stringify(
    options.api === 'chat'
      ? { ...common, messages: [{ role: 'user', content: req.prompt }] }
      : { ...common, prompt: req.prompt },
  );
}

function onEvent(data: string, state: StreamState, nowMs: number): void {
  if (data === '[DONE]') {
    state.finished = true;
    return;
  }
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    state.error = 'malformed SSE data';
    return;
  }
  if (typeof chunk !== 'object' || chunk === null) return;
  const c = chunk as {
    error?: { message?: unknown };
    choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[];
    usage?: { completion_tokens?: unknown } | null;
  };
  if (c.error !== undefined) {
    state.error = typeof c.error.message === 'string' ? c.error.message : 'error event in stream';
    return;
  }
  const choice = c.choices?.[0];
  if (choice !== undefined) {
    const content = choice.delta !== undefined ? choice.delta.content : choice.text;
    if (typeof content === 'string' && content !== '') state.tokenTimesMs.push(nowMs);
  }
  if (c.usage !== undefined && c.usage !== null && typeof c.usage.completion_tokens === 'number') {
    state.usageTokens = c.usage.completion_tokens;
  }
}

/** Sends one streaming request and returns its record; `arrivalMs` is the send time on `nowMs()`. */
export async function streamOne(
  req: StreamRequest,
  options: StreamClientOptions,
  signal?: AbortSignal,
): Promise<RequestRecord> {
  const arrivalMs = options.nowMs();
  const state: StreamState = { tokenTimesMs: [], usageTokens: null, finished: false, error: null };
  const key = options.tenantKeys?.get(req.tenant) ?? options.defaultKey;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (req.sessionId !== undefined) headers['x-session-id'] = req.sessionId;
  const path = options.api === 'chat' ? '/v1/chat/completions' : '/v1/completions';
  try {
    const res = await request(new URL(path, options.baseUrl), {
      method: 'POST',
      headers,
      body: bodyFor(req, options),
      dispatcher: options.dispatcher,
      ...(signal !== undefined ? { signal } : {}),
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      state.error = `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
    } else {
      res.body.setEncoding('utf8');
      let buffer = '';
      for await (const piece of res.body as AsyncIterable<string>) {
        const now = options.nowMs();
        buffer += piece;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line.startsWith('data:')) onEvent(line.slice(5).trim(), state, now);
          nl = buffer.indexOf('\n');
        }
      }
      if (state.error === null && !state.finished) state.error = 'stream ended without [DONE]';
    }
  } catch (e) {
    state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const ok = state.error === null;
  return {
    id: req.id,
    tenant: req.tenant,
    weight: req.weight,
    priority: req.priority,
    arrivalMs,
    promptTokens: req.promptTokens,
    outputTokens: state.usageTokens ?? state.tokenTimesMs.length,
    tokenTimesMs: state.tokenTimesMs,
    finishMs: options.nowMs(),
    ok,
    ...(ok ? {} : { error: state.error! }),
    preemptions: 0,
    migrations: 0,
    recomputeTokens: 0,
  };
}
