/**
 * The one error catalogue: every error fairway reports has a stable code, an HTTP status, an
 * OpenAI error `type` and a message. `docs/errors.md` documents each code (enforced by a test).
 * Codes are never reused; retired codes are listed at the bottom of this file.
 */

export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable';

export interface ErrorSpec {
  readonly status: number;
  readonly type: OpenAiErrorType;
  /** Message template; `{name}` placeholders are filled from the params. */
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  // --- request shape (gateway) ---
  FW_ERR_INVALID_JSON: {
    status: 400,
    type: 'invalid_request_error',
    message: 'Request body is not valid JSON: {detail}',
  },
  FW_ERR_VALIDATION: { status: 400, type: 'invalid_request_error', message: '{detail}' },
  FW_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Content-Type must be application/json, got {contentType}',
  },
  FW_ERR_BODY_TOO_LARGE: {
    status: 413,
    type: 'invalid_request_error',
    message: 'Request body exceeds the limit of {limitBytes} bytes',
  },
  FW_ERR_MODEL_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'The model `{model}` does not exist or is not served here',
  },
  FW_ERR_ROUTE_NOT_FOUND: { status: 404, type: 'not_found_error', message: 'Route {method} {url} not found' },
  FW_ERR_UNAUTHORIZED: { status: 401, type: 'authentication_error', message: 'Missing or invalid API key' },
  FW_ERR_FORBIDDEN: { status: 403, type: 'permission_error', message: '{detail}' },
  // --- capacity and backpressure ---
  FW_ERR_NO_HEALTHY_BACKEND: {
    status: 503,
    type: 'service_unavailable',
    message: 'No healthy backend instance can serve model `{model}` right now',
  },
  FW_ERR_QUEUE_FULL: { status: 429, type: 'rate_limit_error', message: 'The request queue is full ({detail})' },
  FW_ERR_SHUTTING_DOWN: { status: 503, type: 'service_unavailable', message: 'The gateway is shutting down' },
  // --- upstream ---
  FW_ERR_UPSTREAM_REJECTED: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The backend rejected the request: {detail}',
  },
  FW_ERR_UPSTREAM_FAILED: { status: 502, type: 'server_error', message: 'The backend failed: {detail}' },
  FW_ERR_UPSTREAM_UNREACHABLE: {
    status: 502,
    type: 'server_error',
    message: 'Cannot reach backend {instance}: {detail}',
  },
  FW_ERR_UPSTREAM_TIMEOUT: {
    status: 504,
    type: 'server_error',
    message: 'The backend did not answer in {timeoutMs} ms',
  },
  // --- internal and operator ---
  FW_ERR_INTERNAL: { status: 500, type: 'server_error', message: 'Internal error (request {requestId})' },
  FW_ERR_CONFIG_INVALID: { status: 500, type: 'server_error', message: 'Invalid configuration:\n{detail}' },
  FW_ERR_CONFIG_UNREADABLE: {
    status: 500,
    type: 'server_error',
    message: 'Cannot read configuration file {path}: {detail}',
  },
  FW_ERR_CLI_USAGE: { status: 400, type: 'invalid_request_error', message: '{detail}' },
  // --- semantic cache mechanism (src/cache) ---
  FW_ERR_CACHE_OVERLOADED: {
    status: 503,
    type: 'service_unavailable',
    message: 'The semantic cache is overloaded: {detail}',
  },
  FW_ERR_CACHE_WORKER_FAILED: {
    status: 500,
    type: 'server_error',
    message: 'A semantic cache worker failed: {detail}',
  },
  FW_ERR_UNKNOWN_CATEGORY: {
    status: 400,
    type: 'invalid_request_error',
    message: 'Unknown cache category `{category}` in x-fairway-category (known: {known})',
  },
  FW_ERR_EMBEDDER_FAILED: { status: 502, type: 'server_error', message: 'The embedder `{embedder}` failed: {detail}' },
  FW_ERR_TRACE_UNREADABLE: {
    status: 500,
    type: 'server_error',
    message: 'Cannot read trace file {path}: {detail}',
  },
  FW_ERR_TRACE_FORMAT: {
    status: 400,
    type: 'invalid_request_error',
    message: 'Trace {path} is not in a supported format: {detail}',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type ErrorParams = Readonly<Record<string, string | number>>;

function render(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export interface FairwayErrorOptions {
  /** The request parameter at fault, reported as OpenAI's `error.param`. */
  readonly param?: string;
  /** For backpressure: how long the client should wait before retrying. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** An error from the catalogue. Rendered to clients as an OpenAI-style error body. */
export class FairwayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  readonly retryAfterMs: number | null;

  constructor(code: ErrorCode, params: ErrorParams = {}, options: FairwayErrorOptions = {}) {
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    super(render(spec.message, params), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FairwayError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.param = options.param ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  /** The OpenAI-compatible error body. */
  toBody(): { error: { message: string; type: OpenAiErrorType; param: string | null; code: ErrorCode } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const isFairwayError = (e: unknown): e is FairwayError => e instanceof FairwayError;

// Retired codes (never reuse): none yet.
