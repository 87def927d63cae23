/**
 * The one HTTP error handler: every failure leaves as an OpenAI-style body with a stable FW_ERR_*
 * code. Fastify's own errors (parsing, limits, validation) are mapped onto the catalogue here and
 * nowhere else; unexpected errors are logged once and answered as FW_ERR_INTERNAL.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FairwayError, isFairwayError } from '../errors.js';

interface AjvLikeError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** `/messages/0/role` -> `messages[0].role` */
function paramName(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export function validationToFairway(errors: readonly AjvLikeError[]): FairwayError {
  // The most specific error is the deepest path; `anyOf` summaries are the least helpful.
  const sorted = [...errors].sort(
    (a, b) =>
      Number(a.keyword === 'anyOf') - Number(b.keyword === 'anyOf') || b.instancePath.length - a.instancePath.length,
  );
  const e = sorted[0];
  if (e === undefined) return new FairwayError('FW_ERR_VALIDATION', { detail: 'Invalid request body' });
  if (e.keyword === 'required') {
    const param = paramName(e.instancePath, String(e.params.missingProperty));
    return new FairwayError('FW_ERR_VALIDATION', { detail: `Missing required parameter '${param}'` }, { param });
  }
  const param = paramName(e.instancePath);
  if (param === '') {
    return new FairwayError('FW_ERR_VALIDATION', { detail: `Request body ${e.message ?? 'is invalid'}` });
  }
  const anyOf = errors.some((x) => x.keyword === 'anyOf' && x.instancePath === e.instancePath);
  const detail = anyOf
    ? `Invalid type or value for '${param}'`
    : `Invalid value for '${param}': ${e.message ?? 'is invalid'}`;
  return new FairwayError('FW_ERR_VALIDATION', { detail }, { param });
}

export function toFairwayError(
  error: unknown,
  requestId: string,
  limitBytes: number,
  contentType = 'unknown',
): FairwayError {
  if (isFairwayError(error)) return error;
  const fe = error as FastifyError & { validation?: AjvLikeError[] };
  if (Array.isArray(fe.validation)) return validationToFairway(fe.validation);
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new FairwayError('FW_ERR_INVALID_JSON', { detail: fe.message });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FairwayError('FW_ERR_INVALID_JSON', { detail: 'the body is empty' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FairwayError('FW_ERR_BODY_TOO_LARGE', { limitBytes });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new FairwayError('FW_ERR_UNSUPPORTED_MEDIA_TYPE', { contentType });
    default:
      break;
  }
  if (error instanceof SyntaxError) return new FairwayError('FW_ERR_INVALID_JSON', { detail: error.message });
  return new FairwayError('FW_ERR_INTERNAL', { requestId }, { cause: error });
}

/** Sends `error` as an OpenAI error body (with Retry-After for backpressure). */
export function sendError(reply: FastifyReply, error: FairwayError): FastifyReply {
  if (error.retryAfterMs !== null)
    reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  return reply.code(error.status).type('application/json').send(error.toBody());
}

export function buildErrorHandler(limitBytes: number) {
  return function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const fwError = toFairwayError(error, request.id, limitBytes, request.headers['content-type'] ?? 'none');
    if (fwError.code === 'FW_ERR_INTERNAL') request.log.error({ err: error }, 'unhandled error');
    else if (fwError.status >= 500) request.log.warn({ code: fwError.code, msg: fwError.message }, 'request failed');
    return sendError(reply, fwError);
  };
}
