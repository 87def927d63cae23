/**
 * Runs one generation through leases from the dispatcher: stream from the leased instance, feed token
 * counts back to the scheduler, and when a lease is revoked (preempt, migrate) or the instance fails,
 * resume as a continuation so the client sees one unbroken stream. Knows nothing about HTTP replies:
 * output goes to a `GenerationSink`.
 */
import type { RequestId } from '../core/ids.js';
import type { BackendClient, Usage } from '../core/ports.js';
import type { SchedRequest } from '../core/scheduler/types.js';
import { FairwayError, isFairwayError } from '../errors.js';
import { continuationAttempt, firstAttempt } from './continuation.js';
import type { Dispatcher, Lease } from './dispatcher.js';
import type { ClientKind, FinishedGeneration } from './response-format.js';
import { StopMatcher, stopStringsOf } from './stop-matcher.js';

export interface GenerationSink {
  /** Called once, before the first delta (stream headers go out here). */
  start(promptTokenIds: readonly number[] | null): void;
  /** Text and token ids for the client; a returned promise means the client is slow (backpressure). */
  delta(text: string, tokenIds: readonly number[] | null): void | Promise<void>;
}

export interface GenerationJob {
  readonly id: RequestId;
  readonly kind: ClientKind;
  /** The validated client body. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly sched: SchedRequest;
  /** Output budget used to size continuations. */
  readonly maxTokens: number;
  /** The client asked for a stream; otherwise the upstream streams only when the scheduler needs token progress. */
  readonly clientStreams: boolean;
}

export interface GenerationDeps {
  readonly dispatcher: Dispatcher;
  client(instance: string): BackendClient | undefined;
  /** Maps an upstream failure to the catalogue, and says whether another attempt may fix it. */
  classify(error: unknown, instance: string): { error: FairwayError; retryable: boolean };
  /** Called when an instance failed a request (counts as a failed health check). */
  instanceFailed(instance: string): void;
  /** Whether instances accept vLLM `priority` (served with `--scheduling-policy priority`). */
  readonly forwardPriority: boolean;
  /** Interruptions (failures) tolerated per request before giving up. */
  readonly maxInterruptions: number;
  readonly log: { warn(obj: object, msg: string): void };
}

interface Progress {
  promptTokenIds: readonly number[] | null;
  readonly generatedTokenIds: number[];
  /** Everything upstream generated (a text continuation resumes from it). */
  generatedText: string;
  /** What the client has been sent (generatedText cut at a stop string, minus the held-back tail). */
  visibleText: string;
  generatedTokens: number;
  idsComplete: boolean;
}

/** Streams the generation into `sink`; resolves with the finished result or rejects with a FairwayError. */
export async function runGeneration(
  job: GenerationJob,
  deps: GenerationDeps,
  sink: GenerationSink,
  clientSignal: AbortSignal,
): Promise<FinishedGeneration> {
  const { dispatcher } = deps;
  const progress: Progress = {
    promptTokenIds: null,
    generatedTokenIds: [],
    generatedText: '',
    visibleText: '',
    generatedTokens: 0,
    idsComplete: true,
  };
  let started = false;
  let interruptions = 0;
  let promptTokens: number | null = null;
  // Streamed attempts leave stop strings to the gateway so they hold across continuation seams.
  const stops = stopStringsOf(job.body);
  const matcher = stops.length > 0 ? new StopMatcher(stops, job.body.include_stop_str_in_output === true) : null;
  const minTokens = typeof job.body.min_tokens === 'number' ? job.body.min_tokens : 0;
  const upstreamBody: Readonly<Record<string, unknown>> =
    matcher === null ? job.body : withoutKeys(job.body, ['stop', 'include_stop_str_in_output']);
  let lease: Lease = await whileConnected(dispatcher.submit(job.sched));

  for (;;) {
    const priority = deps.forwardPriority ? lease.vllmPriority : null;
    let request;
    const stream = job.clientStreams || lease.streamTokens;
    // Only a streamed attempt can be continued mid-text; a one-shot upstream answer keeps vLLM's stop check.
    const ownStops = matcher !== null && stream;
    const body = ownStops ? upstreamBody : job.body;
    // Nothing generated yet (a retry after a failure before the first token): send the request afresh.
    if (!lease.resume || progress.generatedTokens === 0) request = firstAttempt(job.kind, body, priority, stream);
    else {
      const next = continuationAttempt(job.kind, body, progress, job.maxTokens, priority);
      if (next === null) return finish('length', null, null);
      if (!next.exact) deps.log.warn({ requestId: job.id }, 'backend returned no token ids: continuing by text');
      request = next.request;
    }
    const client = deps.client(lease.instance);
    if (client === undefined) throw new FairwayError('FW_ERR_INTERNAL', { requestId: job.id });
    dispatcher.dispatched(job.id, lease.instance);
    const signal = AbortSignal.any([clientSignal, lease.signal]);
    let finishReason: string | null = null;
    let stopReason: string | number | null = null;
    let usage: Usage | null = null;
    // The scheduler tracks prefill per run: every lease reports its own first token.
    let runStarted = false;
    let stopped: string | null = null;
    try {
      for await (const d of client.generate(request, signal)) {
        if (d.promptTokenIds !== null && !lease.resume && progress.promptTokenIds === null) {
          progress.promptTokenIds = d.promptTokenIds;
        }
        const n = d.tokenIds !== null ? d.tokenIds.length : d.text === '' ? 0 : 1;
        if (n > 0 || d.text !== '') {
          if (!started) {
            started = true;
            sink.start(progress.promptTokenIds);
          }
          if (!runStarted) {
            runStarted = true;
            dispatcher.firstToken(job.id, lease.resume ? undefined : progress.promptTokenIds?.length);
          }
          if (d.tokenIds !== null) progress.generatedTokenIds.push(...d.tokenIds);
          else progress.idsComplete = false;
          progress.generatedText += d.text;
          progress.generatedTokens += n;
          dispatcher.tokens(job.id, n);
          let text = d.text;
          if (ownStops) {
            const pushed = matcher.push(d.text, progress.generatedTokens > minTokens);
            stopped = pushed.stop;
            text = pushed.emit + (stopped === null && d.finishReason !== null ? matcher.flush() : '');
          }
          progress.visibleText += text;
          const wait = sink.delta(text, d.tokenIds);
          if (wait !== undefined) await wait;
          if (stopped !== null) break; // leaving the loop aborts the upstream request
        } else if (ownStops && d.finishReason !== null) {
          const rest = matcher.flush();
          if (rest !== '') {
            progress.visibleText += rest;
            const wait = sink.delta(rest, []);
            if (wait !== undefined) await wait;
          }
        }
        if (d.finishReason !== null) {
          finishReason = d.finishReason;
          stopReason = d.stopReason;
        }
        if (d.usage !== null) usage = d.usage;
      }
      if (usage !== null && !lease.resume && promptTokens === null) promptTokens = usage.prompt_tokens;
      if (stopped !== null) return finish('stop', stopped, null);
      if (finishReason === null) throw new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail: 'stream ended early' });
      return finish(finishReason, stopReason, usage);
    } catch (error) {
      if (clientSignal.aborted) {
        dispatcher.cancelled(job.id);
        throw error;
      }
      if (lease.signal.aborted) {
        lease = await whileConnected(dispatcher.resume(job.id, progress.generatedTokens));
        continue;
      }
      const { error: fwError, retryable } = isFairwayError(error)
        ? { error, retryable: error.code === 'FW_ERR_UPSTREAM_FAILED' }
        : deps.classify(error, lease.instance);
      if (!retryable || !job.sched.preemptible || interruptions >= deps.maxInterruptions) {
        dispatcher.failed(job.id);
        throw fwError;
      }
      interruptions += 1;
      deps.instanceFailed(lease.instance);
      deps.log.warn({ requestId: job.id, instance: lease.instance, code: fwError.code }, 'upstream failed: resuming');
      lease = await whileConnected(dispatcher.interrupted(job.id, progress.generatedTokens));
    }
  }

  /** Waits for a lease unless the client leaves first: then the request is cancelled in the scheduler. */
  function whileConnected(next: Promise<Lease>): Promise<Lease> {
    if (clientSignal.aborted) {
      next.catch(() => undefined); // the dispatcher rejects the abandoned wait; nobody listens for it
      dispatcher.cancelled(job.id);
      return Promise.reject(clientSignal.reason as Error);
    }
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        dispatcher.cancelled(job.id);
        reject(clientSignal.reason as Error);
      };
      clientSignal.addEventListener('abort', onAbort, { once: true });
      next.then(
        (lease) => {
          clientSignal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        (error: unknown) => {
          clientSignal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  function finish(reason: string, stopReason: string | number | null, usage: Usage | null): FinishedGeneration {
    dispatcher.finished(job.id);
    const prompt = promptTokens ?? progress.promptTokenIds?.length ?? usage?.prompt_tokens ?? job.sched.promptTokens;
    const completion = progress.generatedTokens;
    return {
      text: progress.visibleText,
      tokenIds: progress.idsComplete ? progress.generatedTokenIds : null,
      promptTokenIds: progress.promptTokenIds,
      finishReason: reason,
      stopReason,
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
  }
}

function withoutKeys(body: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const k of keys) delete out[k];
  return out;
}
