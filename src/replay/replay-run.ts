/**
 * Live replay of a loaded trace against an OpenAI-compatible endpoint: the open-loop sender fires each
 * request at its absolute time, the streaming client timestamps every token, and the run ends by itself
 * (trace exhausted, duration or count bound, then a bounded drain after which in-flight requests abort).
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import type { Dispatcher } from 'undici';
import { startOpenLoopSender } from './open-loop-sender.js';
import type { SenderTimers } from './open-loop-sender.js';
import { createProgress } from './progress.js';
import type { ProgressSink } from './progress.js';
import { synthesizePrompt } from './prompt-synth.js';
import type { RequestRecord, RunFacts } from './record.js';
import { streamOne } from './stream-client.js';
import type { ApiKind } from './stream-client.js';
import { summarize } from './summarize.js';
import type { RunSummary, SummarizeOptions } from './summarize.js';
import type { LoadedTrace } from './trace-loader.js';

export interface ReplayOptions {
  readonly trace: LoadedTrace;
  readonly baseUrl: string;
  /** Model to request; default: the first id of GET /v1/models (or `default`). */
  readonly model?: string;
  /**
   * Context limit for clamping (prompt + output <= maxModelLen); default: `max_model_len` from
   * GET /v1/models when the target reports it, else no clamping. Clamped requests are counted.
   */
  readonly maxModelLen?: number;
  readonly api?: ApiKind;
  /** Send only requests scheduled before this (ms from start). */
  readonly durationMs?: number;
  readonly maxRequests?: number;
  /** Upper bound on in-flight requests (and on connections). Default 256. */
  readonly concurrencyCap?: number;
  /** After sending ends, in-flight requests get this long before they are aborted. Default 30 000. */
  readonly drainTimeoutMs?: number;
  readonly tenantKeys?: ReadonlyMap<string, string>;
  readonly defaultKey?: string;
  readonly seed?: number;
  /**
   * Send the trace priority as vLLM's `priority` field (negated: vLLM serves lower values first). Off by
   * default because vLLM rejects the field unless it runs with `--scheduling-policy priority`.
   */
  readonly sendPriority?: boolean;
  /** Progress output (stderr in the CLI); null for none. */
  readonly progress?: ProgressSink | null;
  readonly summary?: SummarizeOptions;
  /** Injected for tests; defaults to performance.now and setTimeout. */
  readonly timers?: SenderTimers;
}

export interface ReplayResult {
  readonly model: string;
  /** Requests whose prompt (and if needed output) was shortened to fit the context limit. */
  readonly clamped: number;
  /** One record per sent request, in send order. */
  readonly records: readonly RequestRecord[];
  /** sendLagsMs[i] is the lag of records[i]. */
  readonly sendLagsMs: readonly number[];
  readonly facts: RunFacts;
  readonly summary: RunSummary;
}

interface TargetInfo {
  readonly model: string;
  readonly maxModelLen?: number;
}

/** Asks the target for its model list; any failure falls back to `default` and no limit. */
export async function discoverTarget(
  baseUrl: string,
  dispatcher: Dispatcher,
  headers: Record<string, string>,
): Promise<TargetInfo> {
  try {
    const res = await request(new URL('/v1/models', baseUrl), {
      dispatcher,
      headers,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { model: 'default' };
    }
    const body = (await res.body.json()) as { data?: { id?: unknown; max_model_len?: unknown }[] };
    const first = body.data?.[0];
    if (first === undefined || typeof first.id !== 'string') return { model: 'default' };
    return {
      model: first.id,
      ...(typeof first.max_model_len === 'number' ? { maxModelLen: first.max_model_len } : {}),
    };
  } catch {
    return { model: 'default' };
  }
}

/** Fits prompt + output into the context limit: the shorter side keeps its length, the longer one is cut. */
export function clampToContext(promptTokens: number, outputTokens: number, maxModelLen: number | undefined) {
  // The chat template and the synthesized request-id word add a few tokens: keep a margin.
  const margin = 16;
  if (maxModelLen === undefined || promptTokens + outputTokens + margin <= maxModelLen) {
    return { promptTokens, outputTokens, clamped: false };
  }
  const budget = Math.max(2, maxModelLen - margin);
  if (promptTokens <= budget / 2) return { promptTokens, outputTokens: budget - promptTokens, clamped: true };
  const output = Math.max(1, Math.min(outputTokens, Math.floor(budget / 2)));
  return { promptTokens: budget - output, outputTokens: output, clamped: true };
}

const realTimers: SenderTimers = {
  nowMs: () => performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const timers = options.timers ?? realTimers;
  const requests = options.trace.requests;
  const cap = options.concurrencyCap ?? 256;
  const drainMs = options.drainTimeoutMs ?? 30_000;
  const dispatcher = new Pool(new URL(options.baseUrl).origin, { connections: cap, pipelining: 1 });
  const abort = new AbortController();
  setMaxListeners(Infinity, abort.signal); // one listener per in-flight request, bounded by the cap
  const probeKey = options.defaultKey ?? options.tenantKeys?.values().next().value;
  const probeHeaders: Record<string, string> = probeKey === undefined ? {} : { authorization: `Bearer ${probeKey}` };
  const discovered =
    options.model === undefined || options.maxModelLen === undefined
      ? await discoverTarget(options.baseUrl, dispatcher, probeHeaders)
      : undefined;
  const model = options.model ?? discovered?.model ?? 'default';
  const maxModelLen = options.maxModelLen ?? discovered?.maxModelLen;
  let clamped = 0;
  const startMs = timers.nowMs();
  const nowMs = (): number => timers.nowMs() - startMs;
  const records: RequestRecord[] = [];
  let done = 0;
  let failed = 0;
  const client = {
    baseUrl: options.baseUrl,
    model,
    api: options.api ?? 'chat',
    dispatcher,
    nowMs,
    ...(options.tenantKeys !== undefined ? { tenantKeys: options.tenantKeys } : {}),
    ...(options.defaultKey !== undefined ? { defaultKey: options.defaultKey } : {}),
  };
  const seed = options.seed ?? 1;
  const limit = Math.min(requests.length, options.maxRequests ?? Infinity);
  const sender = startOpenLoopSender({
    offsetsMs: requests.map((r) => r.arrivalMs),
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    maxRequests: limit,
    concurrencyCap: cap,
    timers,
    send: async (index) => {
      const r = requests[index]!;
      const fit = clampToContext(r.promptTokens, Math.max(1, r.outputTokens), maxModelLen);
      if (fit.clamped) clamped++;
      const slot = records.length;
      records.push(placeholder(r.index));
      const record = await streamOne(
        {
          id: `req-${r.index}`,
          tenant: r.tenant,
          weight: r.weight,
          priority: r.priority,
          prompt: synthesizePrompt(fit.promptTokens, r.index, seed),
          promptTokens: fit.promptTokens,
          maxTokens: fit.outputTokens,
          ...(r.sessionId !== undefined ? { sessionId: r.sessionId } : {}),
          ...(options.sendPriority === true ? { vllmPriority: r.priority === 0 ? 0 : -r.priority } : {}),
        },
        client,
        abort.signal,
      );
      records[slot] = record;
      done++;
      if (!record.ok) failed++;
    },
  });

  const progress =
    options.progress === null || options.progress === undefined ? null : createProgress(options.progress);
  const counts = (): Parameters<NonNullable<typeof progress>['update']>[0] => ({
    sent: records.length,
    total: limit,
    done,
    failed,
    inFlight: sender.inFlight(),
    elapsedMs: nowMs(),
  });
  const ticker = progress === null ? null : setInterval(() => progress.update(counts()), 250);
  ticker?.unref();
  // Hard stop: the last scheduled send (or the duration) plus the drain budget.
  const lastOffset = requests[limit - 1]?.arrivalMs ?? 0;
  const sendWindowMs = Math.min(options.durationMs ?? Infinity, lastOffset + 1);
  const hardStop = setTimeout(() => {
    sender.stop();
    abort.abort();
  }, sendWindowMs + drainMs);
  hardStop.unref();

  let result;
  try {
    result = await sender.done;
  } finally {
    clearTimeout(hardStop);
    if (ticker !== null) clearInterval(ticker);
    await dispatcher.close().catch(() => undefined);
  }
  const wallMs = nowMs();
  progress?.finish(counts());
  const facts: RunFacts = { wallMs, sendLagsMs: result.lagsMs, notSent: requests.length - result.sent };
  return {
    model,
    clamped,
    records,
    sendLagsMs: result.lagsMs,
    facts,
    summary: summarize(records, facts, options.summary ?? {}),
  };
}

function placeholder(index: number): RequestRecord {
  return {
    id: `req-${index}`,
    tenant: '',
    weight: 1,
    priority: 0,
    arrivalMs: 0,
    promptTokens: 0,
    outputTokens: 0,
    tokenTimesMs: [],
    finishMs: 0,
    ok: false,
    error: 'not finished',
    preemptions: 0,
    migrations: 0,
    recomputeTokens: 0,
  };
}
