/**
 * An SSE client for end-to-end tests: streams one OpenAI generation over a real socket and records
 * every frame with its arrival time (ids, text, token ids, finish reason, usage, error frames), so
 * tests can check that a stream stayed unbroken across seams and measure the gaps clients saw.
 */
import { performance } from 'node:perf_hooks';

export interface StreamRecord {
  readonly status: number;
  /** performance.now() when the request was sent. */
  readonly sentAtMs: number;
  /** Every distinct `id` seen on a frame. */
  readonly ids: ReadonlySet<string>;
  /** Every distinct `object` seen on a frame. */
  readonly objects: ReadonlySet<string>;
  readonly text: string;
  readonly tokenIds: readonly number[];
  /** Arrival time (performance.now()) of each token, one entry per token id. */
  readonly tokenTimesMs: readonly number[];
  readonly promptTokenIds: readonly number[] | null;
  readonly finishReason: string | null;
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  /** Frames that carried an `error` member (must be none in an unbroken stream). */
  readonly errorFrames: readonly unknown[];
  readonly sawDone: boolean;
  /** Raw body when the answer was not a stream (an HTTP error). */
  readonly errorBody: string | null;
}

interface Chunk {
  id?: string;
  object?: string;
  error?: unknown;
  prompt_token_ids?: number[] | null;
  choices?: Array<{
    delta?: { content?: string };
    text?: string;
    token_ids?: number[] | null;
    prompt_token_ids?: number[] | null;
    finish_reason?: string | null;
  }>;
  usage?: StreamRecord['usage'];
}

export interface OpenStream {
  /** Tokens received so far. */
  tokens(): number;
  /** Resolves once `n` tokens arrived; rejects after `timeoutMs` or if the stream ends first. */
  waitForTokens(n: number, timeoutMs?: number): Promise<void>;
  /** Closes the connection from the client side (the client went away). */
  abort(): void;
  readonly done: Promise<StreamRecord>;
}

/** POSTs `body` to `url` and consumes the SSE answer frame by frame. */
export function openStream(url: string, body: unknown, headers: Record<string, string> = {}): OpenStream {
  const controller = new AbortController();
  const ids = new Set<string>();
  const objects = new Set<string>();
  const tokenIds: number[] = [];
  const tokenTimesMs: number[] = [];
  const errorFrames: unknown[] = [];
  let text = '';
  let promptTokenIds: number[] | null = null;
  let finishReason: string | null = null;
  let usage: StreamRecord['usage'] = null;
  let sawDone = false;
  let ended = false;
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };

  const onFrame = (data: string, atMs: number): void => {
    if (data === '[DONE]') {
      sawDone = true;
      return;
    }
    const chunk = JSON.parse(data) as Chunk;
    if (chunk.error !== undefined) errorFrames.push(chunk.error);
    if (chunk.id !== undefined) ids.add(chunk.id);
    if (chunk.object !== undefined) objects.add(chunk.object);
    if (Array.isArray(chunk.prompt_token_ids)) promptTokenIds = chunk.prompt_token_ids;
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      text += choice.delta?.content ?? choice.text ?? '';
      if (Array.isArray(choice.prompt_token_ids)) promptTokenIds = choice.prompt_token_ids;
      for (const t of choice.token_ids ?? []) {
        tokenIds.push(t);
        tokenTimesMs.push(atMs);
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) finishReason = choice.finish_reason;
    }
    notify();
  };

  const sentAtMs = performance.now();
  const done = (async (): Promise<StreamRecord> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      let errorBody: string | null = null;
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) errorBody = await res.text();
      else if (res.body !== null) {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const bytes of res.body) {
          const atMs = performance.now();
          buffer += decoder.decode(bytes as Uint8Array, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            for (const line of event.split('\n')) if (line.startsWith('data: ')) onFrame(line.slice(6), atMs);
          }
        }
      }
      return {
        status: res.status,
        sentAtMs,
        ids,
        objects,
        text,
        tokenIds,
        tokenTimesMs,
        promptTokenIds,
        finishReason,
        usage,
        errorFrames,
        sawDone,
        errorBody,
      };
    } finally {
      ended = true;
      notify();
    }
  })();
  // Waiters observe `ended`; the record itself is awaited by the test.
  done.catch(() => undefined);

  return {
    tokens: () => tokenIds.length,
    async waitForTokens(n, timeoutMs = 15_000) {
      const deadline = performance.now() + timeoutMs;
      while (tokenIds.length < n) {
        if (ended) throw new Error(`stream ended after ${tokenIds.length} tokens, before ${n}`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`only ${tokenIds.length} of ${n} tokens after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    abort: () => controller.abort(),
    done,
  };
}

/** The largest gap between consecutive token arrivals (ms), 0 with fewer than two tokens. */
export function maxGapMs(timesMs: readonly number[]): number {
  let max = 0;
  for (let i = 1; i < timesMs.length; i++) max = Math.max(max, (timesMs[i] as number) - (timesMs[i - 1] as number));
  return max;
}

/** The largest gap ending at a token that arrived in [fromMs, toMs] (the gap may start before fromMs). */
export function maxGapBetweenMs(timesMs: readonly number[], fromMs: number, toMs: number): number {
  let max = 0;
  for (let i = 1; i < timesMs.length; i++) {
    const t = timesMs[i] as number;
    if (t >= fromMs && t <= toMs) max = Math.max(max, t - (timesMs[i - 1] as number));
  }
  return max;
}

/** Median gap between consecutive token arrivals (ms): the steady decode interval. */
export function medianGapMs(timesMs: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < timesMs.length; i++) gaps.push((timesMs[i] as number) - (timesMs[i - 1] as number));
  gaps.sort((a, b) => a - b);
  return gaps.length === 0 ? 0 : (gaps[Math.floor(gaps.length / 2)] as number);
}
