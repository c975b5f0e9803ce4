// Dead letters: list them, and retry (re-read from the source where possible, then re-apply).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { listDeadLetters } from '../../engine/dead-letters.js';
import type { Engine } from '../../engine/engine.js';
import { decodeCursor } from '../../store/paging.js';
import { errorResponses, pageQuery, uuid } from '../schemas.js';

const deadLetterView = z.object({
  id: z.string(),
  connectionId: z.string().nullable(),
  runId: z.string().nullable(),
  stream: z.string().nullable(),
  kind: z.string(),
  externalId: z.string().nullable(),
  payload: z.unknown(),
  reason: z.string(),
  errorCode: z.string().nullable(),
  attempts: z.number(),
  status: z.enum(['open', 'resolved', 'discarded']),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});

export function deadLetterRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['dead letters'];
  r.get(
    '/dead-letters',
    {
      schema: {
        tags,
        summary: 'List dead letters (records or pages that could not be mapped or written)',
        querystring: pageQuery.extend({ status: z.enum(['open', 'resolved', 'discarded']).default('open'), connectionId: uuid.optional(), runId: uuid.optional() }),
        response: { 200: z.object({ items: z.array(deadLetterView), nextCursor: z.string().nullable() }), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor ? decodeCursor(cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      return deps.engine.db.withTenant(request.tenantId, (tx) => listDeadLetters(tx, request.tenantId, { limit, after, ...filter }));
    },
  );
  r.post(
    '/dead-letters/retry',
    {
      schema: {
        tags,
        summary: 'Retry open dead letters (all, or those matching the filter; up to 500 per call)',
        body: z.strictObject({ ids: z.array(uuid).min(1).max(500).optional(), connectionId: uuid.optional(), runId: uuid.optional() }).default({}),
        response: {
          200: z.object({ attempted: z.number(), resolved: z.number(), failed: z.array(z.object({ id: z.string(), reason: z.string() })) }),
          ...errorResponses,
        },
      },
    },
    async (request) => deps.engine.retryDeadLetters(request.tenantId, request.body),
  );
}
