// One log line per request, written when the response has been sent (Fastify's own request logging,
// two lines per request, is turned off in app.ts). A platform can send thousands of webhooks a minute:
// their receipts log at `debug`, so a flood is silent at the default level, while API calls log at
// `info`. A 5xx logs at `error` and carries the error that caused it, so a failure is one line too.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactUrl } from './logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// What the error handler saw, for the request's one line (a WeakMap: no field on Fastify's request).
const failures = new WeakMap<FastifyRequest, { err: unknown; level: Level }>();

/** Called by the error handler instead of logging: the error joins the request's line at `level` or above. */
export function noteRequestFailure(request: FastifyRequest, err: unknown, level: 'warn' | 'error'): void {
  failures.set(request, { err, level });
}

/** The level of a request's line: webhook receipts and metric scrapes at debug, API calls at info, 5xx at error. */
export function requestLogLevel(url: string, statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  return url.startsWith('/webhooks/') || url.split('?')[0] === '/metrics' ? 'debug' : 'info';
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const failure = failures.get(request);
    let level = requestLogLevel(request.url, reply.statusCode);
    if (failure && RANK[failure.level] > RANK[level]) level = failure.level;
    const ms = Math.round(reply.elapsedTime);
    // The URL without query values (tokens travel there); the req serializer (logger.ts) redacts it in
    // the fields too and never includes headers.
    const url = redactUrl(request.url);
    request.log[level](
      { req: request, res: { statusCode: reply.statusCode }, responseTime: ms, ...(failure ? { err: failure.err } : {}) },
      `${request.method} ${url} ${reply.statusCode} ${ms} ms`,
    );
  });
}
