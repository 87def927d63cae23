/**
 * The scheduler's per-request state: queued -> running -> stopping -> queued (continuation) -> ... -> done.
 * Done requests are dropped from every index; nothing here decides, it only records and checks transitions.
 */
import type { InstanceId } from '../ids.js';
import { invariant } from '../invariant.js';
import type { PreemptReason, SchedRequest } from './types.js';

export type RequestPhase = 'queued' | 'running' | 'stopping';

export type StopAction =
  | { readonly kind: 'preempt'; readonly reason: PreemptReason }
  | { readonly kind: 'migrate'; readonly reason: PreemptReason; readonly to: InstanceId };

export interface RequestRecord {
  readonly req: SchedRequest;
  /** Arrival sequence number: the last deterministic tie-break before the id. */
  readonly seq: number;
  readonly arrivedAtMs: number;
  phase: RequestPhase;
  /** Instance while running or stopping, else null. */
  instance: InstanceId | null;
  /** Instance of the last run (prefix-cache locality for the recompute estimate). */
  lastInstance: InstanceId | null;
  /** Output tokens generated so far across all runs. */
  generatedTokens: number;
  /** True once the prompt has been charged (first dispatch); resumes never charge it again. */
  charged: boolean;
  /** True for a continuation (has run before): dispatched with `resume: true`, queued at the front. */
  continuation: boolean;
  /** Time of the latest enqueue; aging counts from here. */
  queuedSinceMs: number;
  dispatchedAtMs: number;
  /** True once the current run has produced its first token (prefill done). */
  started: boolean;
  /** Capped preemptions and load migrations so far. */
  preemptions: number;
  stop: StopAction | null;
  /** Instance whose stream failed under this request: placed elsewhere while another instance is open. */
  avoidInstance: InstanceId | null;
  /** Prompt length used for KV accounting: the arrival estimate until the backend reports the exact one. */
  promptTokens: number;
}

export function createRecord(req: SchedRequest, seq: number, nowMs: number): RequestRecord {
  return {
    req,
    seq,
    arrivedAtMs: nowMs,
    phase: 'queued',
    instance: null,
    lastInstance: null,
    generatedTokens: 0,
    charged: false,
    continuation: false,
    queuedSinceMs: nowMs,
    dispatchedAtMs: -1,
    started: false,
    preemptions: 0,
    stop: null,
    avoidInstance: null,
    promptTokens: req.promptTokens,
  };
}

/** Tokens the request occupies in KV while it runs (prompt plus everything generated so far). */
export function contextTokens(rec: RequestRecord): number {
  return rec.promptTokens + rec.generatedTokens;
}

export function markRunning(rec: RequestRecord, instance: InstanceId, nowMs: number): void {
  invariant(rec.phase === 'queued', `dispatch of ${rec.req.id} in phase ${rec.phase}`);
  rec.phase = 'running';
  rec.instance = instance;
  rec.dispatchedAtMs = nowMs;
  rec.started = false;
  rec.stop = null;
}

export function markStopping(rec: RequestRecord, stop: StopAction): void {
  invariant(rec.phase === 'running', `stop of ${rec.req.id} in phase ${rec.phase}`);
  rec.phase = 'stopping';
  rec.stop = stop;
}

export function markQueued(rec: RequestRecord, nowMs: number): void {
  invariant(rec.phase !== 'queued', `requeue of ${rec.req.id} while queued`);
  rec.phase = 'queued';
  rec.lastInstance = rec.instance;
  rec.instance = null;
  rec.continuation = true;
  rec.queuedSinceMs = nowMs;
  rec.started = false;
  rec.stop = null;
}
