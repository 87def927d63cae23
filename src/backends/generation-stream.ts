/**
 * One streamed generation as an undici dispatch handler and an async iterator of deltas. Owns the
 * delivery order (every delta received before a failure is delivered before the failure), the
 * merging of vLLM's role, finish and usage frames, backpressure, and aborting the upstream request
 * when the consumer stops or the signal fires. It does not shape request bodies or choose instances.
 */
import type { Dispatcher } from 'undici';
import type { InstanceId } from '../core/ids.js';
import type { GenerationDelta, GenerationEndpoint } from '../core/ports.js';
import { isEmptyDelta, normalizeFrame } from './chunk-normalizer.js';
import {
  CONNECT_ERROR_CODES,
  fromTransportError,
  UpstreamConnectionError,
  UpstreamHttpError,
  type UpstreamPhase,
} from './errors.js';
import { SSE_DONE, SseParser } from './sse-parser.js';

/** Queued deltas above which the socket is paused until the consumer catches up. */
const HIGH_WATER = 256;
const MAX_ERROR_BODY_CHARS = 64 * 1024;

export interface GenerationStreamOptions {
  readonly instanceId: InstanceId;
  readonly endpoint: GenerationEndpoint;
  /** The request's model, to name it in a 404. */
  readonly model: string | null;
  readonly timeouts: { readonly connectMs: number; readonly headersMs: number; readonly bodyMs: number };
  readonly signal: AbortSignal | undefined;
  /** Starts the request with this handler (called once, on the first `next()`). */
  readonly dispatch: (handler: Dispatcher.DispatchHandler) => void;
}

type State = 'idle' | 'waiting-headers' | 'streaming' | 'done';

const DONE_RESULT: IteratorResult<GenerationDelta> = { done: true, value: undefined };

export class GenerationStream implements AsyncIterableIterator<GenerationDelta>, Dispatcher.DispatchHandler {
  readonly #options: GenerationStreamOptions;
  readonly #parser: SseParser;
  #state: State;
  #controller: Dispatcher.DispatchController | null;
  /** Set when the request must be aborted as soon as undici hands us its controller. */
  #abortOnStart: Error | null;
  #queue: GenerationDelta[];
  #queueHead: number;
  /** Delivered after the queue drains; then the iteration is over. */
  #failure: Error | null;
  #ended: boolean;
  #waiter: { resolve(result: IteratorResult<GenerationDelta>): void; reject(error: unknown): void } | null;
  #status: number;
  #errorBody: string;
  #pendingPromptIds: readonly number[] | null;
  /** The finishing delta, held until the body ends so the socket returns to the pool first. */
  #final: GenerationDelta | null;
  #sawDone: boolean;
  #completed: boolean;
  readonly #onAbort: () => void;

  constructor(options: GenerationStreamOptions) {
    this.#options = options;
    this.#parser = new SseParser();
    this.#state = 'idle';
    this.#controller = null;
    this.#abortOnStart = null;
    this.#queue = [];
    this.#queueHead = 0;
    this.#failure = null;
    this.#ended = false;
    this.#waiter = null;
    this.#status = 0;
    this.#errorBody = '';
    this.#pendingPromptIds = null;
    this.#final = null;
    this.#sawDone = false;
    this.#completed = false;
    this.#onAbort = () => this.#abortBySignal();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<GenerationDelta>> {
    if (this.#state === 'idle') this.#start();
    if (this.#queueHead < this.#queue.length) {
      const value = this.#queue[this.#queueHead]!;
      this.#queue[this.#queueHead++] = undefined as unknown as GenerationDelta;
      if (this.#queueHead === this.#queue.length) {
        this.#queue.length = 0;
        this.#queueHead = 0;
        if (this.#controller?.paused === true && this.#state === 'streaming') this.#controller.resume();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#failure !== null) {
      const failure = this.#failure;
      this.#failure = null;
      this.#ended = true;
      return Promise.reject(failure);
    }
    if (this.#ended) return Promise.resolve(DONE_RESULT);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** The consumer stopped early (`break`): abort the upstream request so vLLM frees the slot. */
  return(): Promise<IteratorResult<GenerationDelta>> {
    if (this.#state !== 'done' && this.#state !== 'idle') {
      this.#abortUpstream(
        new UpstreamConnectionError(this.#options.instanceId, 'stream', 'consumer closed the stream'),
      );
    }
    this.#finish();
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.#failure = null;
    this.#ended = true;
    return Promise.resolve(DONE_RESULT);
  }

  // --- undici DispatchHandler ---

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortOnStart !== null) controller.abort(this.#abortOnStart);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
    if (this.#state === 'waiting-headers') this.#state = 'streaming';
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#state !== 'streaming') return;
    if (this.#status < 200 || this.#status >= 300) {
      if (this.#errorBody.length < MAX_ERROR_BODY_CHARS) this.#errorBody += chunk.toString('utf8');
      return;
    }
    if (this.#sawDone) return;
    try {
      const events = this.#parser.push(chunk);
      for (let i = 0; i < events.length && !this.#sawDone; i++) this.#frame(events[i]!);
    } catch (e) {
      this.#fail(e as Error);
      this.#abortUpstream(e as Error);
      return;
    }
    if (this.#queue.length - this.#queueHead > HIGH_WATER && !controller.paused) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#state !== 'streaming') return;
    const { instanceId, model } = this.#options;
    if (this.#status < 200 || this.#status >= 300) {
      this.#fail(new UpstreamHttpError(instanceId, this.#status, parseErrorBody(this.#errorBody), false, model));
      return;
    }
    this.#complete(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#state === 'done') return;
    if (this.#options.signal?.aborted === true) return this.#abortBySignal();
    // A break after the finishing frame loses only the usage trailer: the generation is complete.
    if (this.#completed && this.#state === 'streaming') return this.#complete(true);
    const code = (error as { code?: unknown }).code;
    const phase: UpstreamPhase =
      this.#state === 'streaming'
        ? 'stream'
        : typeof code === 'string' && CONNECT_ERROR_CODES.has(code)
          ? 'connect'
          : 'headers';
    this.#fail(fromTransportError(error, this.#options.instanceId, phase, this.#options.timeouts));
  }

  // --- internals ---

  #start(): void {
    const signal = this.#options.signal;
    this.#state = 'waiting-headers';
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#abortBySignal();
        return;
      }
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    try {
      this.#options.dispatch(this);
    } catch (e) {
      this.#fail(fromTransportError(e, this.#options.instanceId, 'connect', this.#options.timeouts));
    }
  }

  /** Handles one SSE data payload. Throws on malformed frames and on error frames. */
  #frame(data: string): void {
    const { instanceId, endpoint, model } = this.#options;
    if (data === SSE_DONE) {
      this.#sawDone = true;
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch (cause) {
      throw new UpstreamConnectionError(instanceId, 'stream', `${instanceId}: malformed SSE frame`, { cause });
    }
    const normalized = normalizeFrame(frame, endpoint);
    if (normalized.kind === 'ignored') return;
    if (normalized.kind === 'error')
      throw new UpstreamHttpError(instanceId, normalized.status, normalized.body, true, model);
    let delta = normalized.delta;
    if (isEmptyDelta(delta)) {
      // vLLM's chat role frame: nothing to deliver, but it carries the prompt ids.
      if (delta.promptTokenIds !== null) this.#pendingPromptIds = delta.promptTokenIds;
      return;
    }
    if (this.#pendingPromptIds !== null) {
      if (delta.promptTokenIds === null) delta = { ...delta, promptTokenIds: this.#pendingPromptIds };
      this.#pendingPromptIds = null;
    }
    const held = this.#final;
    if (delta.finishReason !== null) {
      this.#completed = true;
      if (held !== null) this.#push(held);
      this.#final = delta;
      return;
    }
    if (held !== null) {
      const usageOnly = delta.text.length === 0 && (delta.tokenIds === null || delta.tokenIds.length === 0);
      if (usageOnly && delta.usage !== null) {
        this.#final = { ...held, usage: delta.usage };
        return;
      }
      this.#push(held);
      this.#final = null;
    }
    this.#push(delta);
  }

  #push(delta: GenerationDelta): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve({ done: false, value: delta });
    } else {
      this.#queue.push(delta);
    }
  }

  /** The body ended (or broke after the finishing frame): deliver the held delta, then end or fail. */
  #complete(brokeAfterFinish: boolean): void {
    if (this.#final !== null) {
      this.#push(this.#final);
      this.#final = null;
    }
    if (!brokeAfterFinish && !this.#sawDone && !this.#completed) {
      const { instanceId } = this.#options;
      this.#fail(
        new UpstreamConnectionError(
          instanceId,
          'stream',
          `${instanceId}: stream ended before [DONE] or finish_reason`,
          {
            code: 'FW_STREAM_TRUNCATED',
          },
        ),
      );
      return;
    }
    this.#finish();
    this.#ended = true;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve(DONE_RESULT);
    }
  }

  #fail(error: Error): void {
    if (this.#state === 'done') return;
    this.#finish();
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      this.#ended = true;
      waiter.reject(error);
    } else {
      this.#failure = error;
    }
  }

  #abortBySignal(): void {
    if (this.#state === 'done') return;
    const error = abortError(this.#options.signal);
    this.#abortUpstream(error);
    // An abort is immediate: deltas not yet consumed are dropped.
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.#fail(error);
  }

  #abortUpstream(reason: Error): void {
    if (this.#controller !== null) {
      if (!this.#controller.aborted) this.#controller.abort(reason);
    } else {
      this.#abortOnStart = reason;
    }
  }

  #finish(): void {
    this.#state = 'done';
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
  }
}

export function parseErrorBody(text: string): unknown {
  const bounded = text.length > MAX_ERROR_BODY_CHARS ? text.slice(0, MAX_ERROR_BODY_CHARS) : text;
  try {
    return JSON.parse(bounded) as unknown;
  } catch {
    return bounded;
  }
}

/** An `AbortError` whose cause is the signal's reason (the port promises AbortError on abort). */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new Error('The upstream request was aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
}
