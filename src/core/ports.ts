/**
 * The interfaces where policy meets mechanism. Gateway, backends, cache, simulator and replay meet
 * only through these types in the composition root; nothing here performs I/O.
 */
import type { InstanceId } from './ids.js';

/** Token accounting as reported by an OpenAI-compatible server. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** Which OpenAI-compatible generation route a request goes to upstream. */
export type GenerationEndpoint = 'chat' | 'completions';

/** A generation request as sent upstream: the OpenAI body is forwarded as given (always streamed). */
export interface UpstreamGeneration {
  readonly endpoint: GenerationEndpoint;
  /** The JSON body; the client sets `stream`, `stream_options.include_usage` and `return_token_ids`. */
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * Stream upstream (default true): progress token by token, needed to charge output as it is
   * generated and to continue after a preemption. False asks for one JSON answer, yielded as one delta.
   */
  readonly stream?: boolean;
}

/**
 * One streamed step of a generation, normalized across chat and completions. Deltas of one upstream
 * stream arrive in order; the last one carries `finishReason` and, if the server sent it, `usage`.
 */
export interface GenerationDelta {
  /** Text generated in this step (may be empty). */
  readonly text: string;
  /** Token ids generated in this step, or null when the backend does not return token ids. */
  readonly tokenIds: readonly number[] | null;
  /** Prompt token ids: present on the first delta when the backend returns them, else null. */
  readonly promptTokenIds: readonly number[] | null;
  /** `stop`, `length`, `abort`, ... once the choice is finished, else null. */
  readonly finishReason: string | null;
  /** The stop string or token that ended generation, when the backend reports it. */
  readonly stopReason: string | number | null;
  /** Usage, on the final usage chunk only. */
  readonly usage: Usage | null;
}

/** Load signals scraped from an instance's Prometheus `/metrics` (vLLM names). */
export interface InstanceMetrics {
  readonly running: number;
  readonly waiting: number;
  /** KV-cache usage fraction in [0, 1]. */
  readonly kvUsage: number;
  readonly preemptionsTotal: number;
  readonly prefixCacheQueriesTotal: number;
  readonly prefixCacheHitsTotal: number;
  readonly promptTokensTotal: number;
  readonly generationTokensTotal: number;
}

export interface ModelCard {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
  readonly max_model_len?: number;
}

/**
 * An upstream OpenAI-compatible server (vLLM or the simulator). Implementations must pass
 * test/conformance/backend-client.suite.ts.
 *
 * Errors: a non-2xx answer rejects with an `UpstreamHttpError` (status and parsed body); a network
 * failure rejects with `UpstreamConnectionError`; an abort through `signal` ends the iteration with
 * an `AbortError`. Closing the iterator early (break) aborts the upstream request.
 */
export interface BackendClient {
  readonly id: InstanceId;
  readonly baseUrl: string;
  generate(request: UpstreamGeneration, signal?: AbortSignal): AsyncIterable<GenerationDelta>;
  tokenize(body: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<{ tokens: number[]; count: number }>;
  models(signal?: AbortSignal): Promise<ModelCard[]>;
  metrics(signal?: AbortSignal): Promise<InstanceMetrics>;
  health(signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}
