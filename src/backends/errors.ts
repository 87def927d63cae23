/**
 * Errors raised by backend clients and their mapping onto the fairway error catalogue. Owns the
 * distinction between "the upstream answered no" (HTTP error) and "the upstream could not be
 * talked to" (connection error), before or after the first byte; it renders nothing for clients.
 */
import type { InstanceId } from '../core/ids.js';
import { FairwayError, isFairwayError } from '../errors.js';

/** Where in the exchange a failure happened. `stream` means after response headers (mid-stream). */
export type UpstreamPhase = 'connect' | 'headers' | 'stream';

/** The upstream answered with a non-2xx status, or sent an error frame inside a 2xx stream. */
export class UpstreamHttpError extends Error {
  readonly instanceId: InstanceId;
  readonly status: number;
  /** The parsed JSON error body when it was JSON, else the raw text (possibly empty). */
  readonly body: unknown;
  /** True when the error arrived as an SSE frame after the stream had started. */
  readonly midStream: boolean;
  /** The `model` of the request that failed, when known (used to name a missing model). */
  readonly model: string | null;

  constructor(instanceId: InstanceId, status: number, body: unknown, midStream = false, model: string | null = null) {
    super(`Upstream ${instanceId} answered ${status}: ${upstreamMessage(body) ?? 'no message'}`);
    this.name = 'UpstreamHttpError';
    this.instanceId = instanceId;
    this.status = status;
    this.body = body;
    this.midStream = midStream;
    this.model = model;
  }

  /** The upstream's own error message, when its body has one. */
  get upstreamMessage(): string | null {
    return upstreamMessage(this.body);
  }

  /** 404 naming a model -> FW_ERR_MODEL_NOT_FOUND; other 4xx -> FW_ERR_UPSTREAM_REJECTED; else FW_ERR_UPSTREAM_FAILED. */
  toFairwayError(): FairwayError {
    const detail = this.upstreamMessage ?? `HTTP ${this.status}`;
    if (this.status === 404 && /model/i.test(detail)) {
      return new FairwayError(
        'FW_ERR_MODEL_NOT_FOUND',
        { model: this.model ?? modelFromMessage(detail) },
        { cause: this },
      );
    }
    if (this.status >= 400 && this.status < 500) {
      return new FairwayError('FW_ERR_UPSTREAM_REJECTED', { detail }, { cause: this });
    }
    return new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail }, { cause: this });
  }
}

/** The upstream could not be reached, timed out, or the connection broke (possibly mid-stream). */
export class UpstreamConnectionError extends Error {
  readonly instanceId: InstanceId;
  readonly phase: UpstreamPhase;
  /** Set when the failure was a timeout; the limit that was exceeded. */
  readonly timeoutMs: number | null;
  /** The underlying error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) when there is one. */
  readonly code: string | null;

  constructor(
    instanceId: InstanceId,
    phase: UpstreamPhase,
    message: string,
    options: { readonly cause?: unknown; readonly timeoutMs?: number | null; readonly code?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamConnectionError';
    this.instanceId = instanceId;
    this.phase = phase;
    this.timeoutMs = options.timeoutMs ?? null;
    this.code = options.code ?? null;
  }

  /** True when tokens may already have been received: a continuation can resume the request. */
  get midStream(): boolean {
    return this.phase === 'stream';
  }

  get isTimeout(): boolean {
    return this.timeoutMs !== null;
  }

  toFairwayError(): FairwayError {
    if (this.timeoutMs !== null) {
      return new FairwayError('FW_ERR_UPSTREAM_TIMEOUT', { timeoutMs: this.timeoutMs }, { cause: this });
    }
    return new FairwayError(
      'FW_ERR_UPSTREAM_UNREACHABLE',
      { instance: this.instanceId, detail: this.message },
      { cause: this },
    );
  }
}

export const isUpstreamHttpError = (e: unknown): e is UpstreamHttpError => e instanceof UpstreamHttpError;
export const isUpstreamConnectionError = (e: unknown): e is UpstreamConnectionError =>
  e instanceof UpstreamConnectionError;

/** True for an abort requested through an AbortSignal (ours or undici's). */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: unknown }).code === 'UND_ERR_ABORTED');
}

/**
 * Maps anything a backend call can throw onto the catalogue. Never throws. Errors with a transport
 * code (`ECONNREFUSED`, `UND_ERR_*`) count as unreachable or timeout; anything else as a failure.
 */
export function toFairwayError(e: unknown, instanceId: InstanceId): FairwayError {
  if (isFairwayError(e)) return e;
  if (e instanceof UpstreamHttpError || e instanceof UpstreamConnectionError) return e.toFairwayError();
  if (isAbortError(e)) {
    return new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail: `request to ${instanceId} was aborted` }, { cause: e });
  }
  if (errorCode(e) === null) {
    const detail = e instanceof Error ? e.message : String(e);
    return new FairwayError('FW_ERR_UPSTREAM_FAILED', { detail }, { cause: e });
  }
  return fromTransportError(e, instanceId, 'connect', {}).toFairwayError();
}

/** Transport error codes that mean the TCP connection was never established. */
export const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Converts an undici / socket error into an `UpstreamConnectionError` (abort errors pass through). */
export function fromTransportError(
  e: unknown,
  instanceId: InstanceId,
  phase: UpstreamPhase,
  timeouts: { readonly connectMs?: number; readonly headersMs?: number; readonly bodyMs?: number },
): UpstreamConnectionError {
  if (e instanceof UpstreamConnectionError) return e;
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  let timeoutMs: number | null = null;
  if (code !== null && TIMEOUT_CODES.has(code)) {
    if (code === 'UND_ERR_CONNECT_TIMEOUT') timeoutMs = timeouts.connectMs ?? 0;
    else if (code === 'UND_ERR_HEADERS_TIMEOUT') timeoutMs = timeouts.headersMs ?? 0;
    else timeoutMs = timeouts.bodyMs ?? 0;
  }
  const effectivePhase: UpstreamPhase = code === 'UND_ERR_BODY_TIMEOUT' ? 'stream' : phase;
  return new UpstreamConnectionError(instanceId, effectivePhase, `${instanceId}: ${message}`, {
    cause: e,
    timeoutMs,
    code,
  });
}

function errorCode(e: unknown): string | null {
  if (typeof e !== 'object' || e === null) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== e && cause !== undefined ? errorCode(cause) : null;
}

/** vLLM bodies: `{"error": {"message": ...}}` (current) or `{"object": "error", "message": ...}` (older). */
function upstreamMessage(body: unknown): string | null {
  if (typeof body === 'string') return body.length > 0 ? body.slice(0, 500) : null;
  if (typeof body !== 'object' || body === null) return null;
  const record = body as { error?: unknown; message?: unknown; detail?: unknown };
  if (typeof record.error === 'object' && record.error !== null) {
    const message = (record.error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  if (typeof record.error === 'string') return record.error;
  if (typeof record.message === 'string') return record.message;
  if (typeof record.detail === 'string') return record.detail;
  return null;
}

function modelFromMessage(message: string): string {
  const start = message.indexOf('`');
  const end = start >= 0 ? message.indexOf('`', start + 1) : -1;
  return end > start ? message.slice(start + 1, end) : 'unknown';
}

/**
 * Maps an upstream failure to the catalogue and says whether another attempt (a continuation on the
 * same or another instance) may succeed: connection failures, resets, truncated streams and 5xx
 * answers may; the backend's verdict on a bad request (4xx) and aborts do not.
 */
export function classifyUpstreamError(e: unknown, instance: string): { error: FairwayError; retryable: boolean } {
  const error = toFairwayError(e, instance as InstanceId);
  if (isUpstreamConnectionError(e)) return { error, retryable: true };
  if (isUpstreamHttpError(e)) return { error, retryable: e.status >= 500 };
  return { error, retryable: false };
}
