// Field conflicts (DESIGN.md 5.6): list them, read one, resolve one. docs/bidirectional.md explains
// when they arise.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { enqueueProductPushes } from '../../engine/product-pushes.js';
import { getConflict, listConflicts } from '../../store/conflicts.js';
import { decodeCursor } from '../../store/paging.js';
import { Resolution, resolveConflict } from '../../store/resolve-conflict.js';
import { errorResponses, idParams, pageOf, pageQuery, uuid } from '../schemas.js';

const side = z.object({ value: z.unknown(), origin: z.string().nullable(), at: z.string().nullable() });
const conflictView = z.object({
  id: z.string(),
  productId: z.string(),
  field: z.string(),
  local: side.describe('the value the hub held (or the earlier write) and where it came from'),
  remote: side.describe('the incoming value and where it came from'),
  status: z.enum(['open', 'resolved']),
  resolution: Resolution.nullable(),
  resolvedValue: z.unknown(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});

export function conflictRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['conflicts'];
  r.get(
    '/conflicts',
    {
      schema: {
        tags,
        summary: 'List field conflicts (open by default), oldest first',
        querystring: pageQuery.extend({ status: z.enum(['open', 'resolved']).default('open'), productId: uuid.optional() }),
        response: { 200: pageOf(conflictView), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor ? decodeCursor(cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      return deps.engine.db.withTenant(request.tenantId, (tx) => listConflicts(tx, request.tenantId, { limit, after, ...filter }));
    },
  );
  r.get('/conflicts/:id', { schema: { tags, summary: 'Get a conflict', params: idParams, response: { 200: conflictView, ...errorResponses } } }, async (request) =>
    deps.engine.db.withTenant(request.tenantId, (tx) => getConflict(tx, request.tenantId, request.params.id)),
  );
  r.post(
    '/conflicts/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve a conflict: keep the local value, take the remote one, or set a merged value; the result is pushed',
        params: idParams,
        body: z.strictObject({ resolution: Resolution, value: z.unknown().optional().describe('the value to keep; only with resolution "merge"') }),
        response: { 200: conflictView, ...errorResponses },
      },
    },
    async (request) => {
      const resolved = await resolveConflict(deps.engine.db, request.tenantId, request.params.id, request.body.resolution, request.body.value);
      // Committed: the chosen value goes to the product's platforms (the outbox), like any hub edit.
      await enqueueProductPushes(deps.engine, request.tenantId, [resolved.productId]).catch((err) => request.log.warn({ err, productId: resolved.productId }, 'could not queue the product push'));
      return resolved;
    },
  );
}
