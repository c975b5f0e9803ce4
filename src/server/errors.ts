// One error envelope for every failure: {error: {code, message, details?}}. Fastify's own errors
// (bad JSON, wrong content type, body too large) and schema validation errors are translated to
// catalogued codes; anything unexpected becomes a 500 without internals.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isSyncError, SyncError, toErrorBody } from '../core/errors.js';

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
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new SyncError('invalid_json', `request body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode === 400) return new SyncError('validation_failed', err.message);
  if (err.statusCode === 404) return new SyncError('not_found', err.message);
  return new SyncError('internal_error', 'internal error', { cause: err });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = translate(error);
    if (err.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
    if (err.retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(err.retryAfterMs / 1000)));
    return reply.code(err.httpStatus).send(toErrorBody(err));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new SyncError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(toErrorBody(err));
  });
}
