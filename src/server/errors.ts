// One error envelope for every failure: {error: {code, message, details?}}. Fastify's own errors
// (bad JSON, wrong content type, body too large) and schema validation errors are translated to
// catalogued codes; anything unexpected becomes a 500 without internals.
//
// Bad input must be a 400, never a 500, on every route, including routes added later. So the input
// PostgreSQL would refuse (NUL characters, unpaired surrogates, absurd nesting, numbers JSON cannot
// carry) is rejected here for every request before its handler runs, and a data exception the
// database raises anyway (a value it cannot convert) is still answered 400, not 500.
//
// A database that is unreachable, shutting down, out of connections or full is answered 503
// service_unavailable with Retry-After on every route (store/unavailable.ts says which errors those
// are), never 500: a client or a platform delivering a webhook retries, and nothing is answered 200
// that was not stored.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isSyncError, SyncError, toErrorBody } from '../core/errors.js';
import { findUnstorable } from '../core/storable.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';
import { noteRequestFailure } from './request-log.js';

/** Retry-After of a 503 that does not name its own: a database outage is seldom over sooner. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_MS = 5_000;

export interface FieldIssue {
  path: string;
  message: string;
}

function validationIssues(err: FastifyError & { validation: { instancePath: string; message?: string }[] }): FieldIssue[] {
  return err.validation.map((v) => ({
    path: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)',
    message: v.message ?? 'invalid',
  }));
}

function translate(err: FastifyError): SyncError {
  if (isSyncError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const issues = validationIssues(err);
    if (where === 'body' && issues.some((i) => i.path === 'platform')) {
      return new SyncError('unknown_platform', issues.find((i) => i.path === 'platform')!.message, {
        details: { issues },
      });
    }
    return new SyncError('validation_failed', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { issues },
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SyncError('invalid_json', err.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SyncError('payload_too_large', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SyncError('unsupported_media_type', 'send the body as application/json');
  }
  if (isDatabaseUnavailable(err)) {
    return new SyncError('service_unavailable', 'the database is unavailable (unreachable, shutting down, out of connections or full); try again shortly', {
      retryAfterMs: SERVICE_UNAVAILABLE_RETRY_AFTER_MS,
      cause: err,
    });
  }
  if (isDataException(err)) {
    return new SyncError('validation_failed', `a value in the request cannot be stored or compared (SQLSTATE ${(err as { code: string }).code})`);
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new SyncError('invalid_json', `request body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode === 400) return new SyncError('validation_failed', err.message);
  if (err.statusCode === 404) return new SyncError('not_found', err.message);
  // Other client errors of Fastify and its plugins (e.g. the static files of /docs refusing a path
  // with 403) stay client errors, under the nearest catalogued code, instead of becoming a 500.
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 405 ? 'not_found' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'validation_failed';
    return new SyncError(code, err.message);
  }
  return new SyncError('internal_error', 'internal error', { cause: err });
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: a value of the wrong form or out of range) or a
 * value nested too deep for it (54001), from either driver: what reaches the database from a request
 * that has passed validation can only be the request's own values.
 */
function isDataException(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && typeof e.severity === 'string' && (e.code.startsWith('22') || e.code === '54001');
}

/** The first value of the request's parameters, query or (JSON) body that cannot be stored, as a 400. */
function rejectUnstorable(request: FastifyRequest): void {
  const parts: [string, unknown][] = [['params', request.params], ['querystring', request.query]];
  // Webhook bodies stay raw bytes (their signature covers them); the receiver decides about those.
  if (!Buffer.isBuffer(request.body)) parts.push(['body', request.body]);
  for (const [where, value] of parts) {
    const bad = findUnstorable(value);
    if (bad) {
      const issue = { path: bad.path, message: bad.reason };
      throw new SyncError('validation_failed', `invalid ${where}: ${issue.path} ${issue.message}`, { details: { issues: [issue] } });
    }
  }
}

/**
 * For Fastify's `frameworkErrors` option. Errors the router raises before any route or hook runs — a
 * percent-escape that is malformed or not UTF-8 (FST_ERR_BAD_URL), a path parameter over
 * maxParamLength (FST_ERR_MAX_PARAM_LENGTH) — bypass the error handler, and without this Fastify
 * answers them with a body of its own and an uncatalogued code.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const err =
    error.code === 'FST_ERR_BAD_URL'
      ? new SyncError('validation_failed', 'the URL is not valid: a percent-escape is malformed or not UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new SyncError('validation_failed', 'a path parameter is too long')
        : translate(error);
  void reply.code(err.httpStatus).send(toErrorBody(err));
}

export function registerErrorHandling(app: FastifyInstance): void {
  // Registered on the root before any route, so every route, present and future, inherits it.
  app.addHook('preValidation', async (request) => rejectUnstorable(request));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = translate(error);
    // Logged on the request's one line (request-log.ts), not on a line of its own.
    if (err.httpStatus >= 500) noteRequestFailure(request, error, 'error');
    else if (isDataException(error)) noteRequestFailure(request, error, 'warn');
    const retryAfterMs = err.retryAfterMs ?? (err.code === 'service_unavailable' ? SERVICE_UNAVAILABLE_RETRY_AFTER_MS : undefined);
    if (retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    return reply.code(err.httpStatus).send(toErrorBody(err));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new SyncError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(toErrorBody(err));
  });
}
