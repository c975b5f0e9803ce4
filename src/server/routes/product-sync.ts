// Pushing hub products to their linked platforms on request (the outbox: src/engine/product-pushes.ts).
// Edits queue their pushes by themselves (PATCH /products/:id); these routes push again, now or queued,
// tell where a product's pushes stand, and queue every linked product of the tenant (a full sync).
//
//   POST /products/:id/sync        {skipPlatforms?}  push now (no debounce): 202 with the targets queued
//   POST /products/:id/queue       {priority?}       queued with the debounce; high runs before normal
//   GET  /products/:id/queue-status                  per target: queued/active/retrying/failed/idle
//   POST /products/full-sync                         every linked product: 202 with the counts
// A product of another tenant, or a deleted one, is 404.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { Platform } from '../../core/records.js';
import type { Engine } from '../../engine/engine.js';
import { enqueueProductPushes, type QueuedPush } from '../../engine/product-pushes.js';
import { errorResponses, idParams } from '../schemas.js';

const syncBody = z
  .strictObject({ skipPlatforms: z.array(Platform).max(10).optional().describe('platforms not to push to') })
  .nullish();

const PRIORITIES = { high: 10, normal: 0 } as const;
const queueBody = z
  .strictObject({ priority: z.enum(['high', 'normal']).default('normal').describe('high: before normal pushes and full syncs') })
  .nullish();

const fullSyncBody = z.strictObject({}).nullish();

const target = z.object({
  connectionId: z.string(),
  platform: z.string(),
  externalId: z.string(),
  newJob: z.boolean().describe('false: a push of this target was already queued, and carries this request too'),
});

const queued = z.object({ productId: z.string(), targets: z.array(target) });

const targetStatus = z.object({
  connectionId: z.string(),
  platform: z.string(),
  connectionName: z.string(),
  externalId: z.string(),
  parentExternalId: z.string().nullable(),
  state: z.enum(['idle', 'queued', 'active', 'retrying', 'failed']),
  attempt: z.number().int().nullable().describe('the attempt under way or next; 1 is the first'),
  nextRunAt: z.string().nullable().describe('when the queued push may run'),
  requestedAt: z.string().nullable().describe('when a push was asked for that has not been sent yet'),
  lastPushedAt: z.string().nullable(),
  lastError: z.object({ message: z.string(), code: z.string().nullable(), at: z.string().nullable() }).nullable(),
});

const tags = ['products'];

const view = (productId: string, pushes: QueuedPush[]) => ({
  productId,
  targets: pushes.map((p) => ({ connectionId: p.connectionId, platform: p.platform, externalId: p.externalId, newJob: p.newJob })),
});

export function productSyncRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engine.db;

  /** 404 unless the tenant has the live product (row-level security checks the tenant again). */
  const assertProduct = async (tenantId: string, id: string) => {
    const { rows } = await db.withTenant(tenantId, (tx) => tx.query('SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, id]));
    if (rows.length === 0) throw new SyncError('not_found', `product ${id} not found`);
  };

  r.post(
    '/products/:id/sync',
    {
      schema: {
        tags,
        summary: 'Push a product to its linked platforms now',
        description:
          'Queued without the debounce (a push of the product already queued is hurried); 202 with the targets. ' +
          'A push carries every variant the hub links under the same platform product. Unchanged SKUs are not sent again.',
        params: idParams,
        body: syncBody,
        response: { 202: queued, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await assertProduct(request.tenantId, id);
      const skip = request.body?.skipPlatforms ?? [];
      let only: string[] | undefined;
      if (skip.length > 0) {
        const { rows } = await db.withTenant(request.tenantId, (tx) =>
          tx.query<{ id: string }>('SELECT id FROM connections WHERE tenant_id = $1 AND NOT (platform = ANY($2::text[]))', [request.tenantId, skip]),
        );
        only = rows.map((c) => c.id);
      }
      return reply.code(202).send(view(id, await enqueueProductPushes(deps.engine, request.tenantId, [id], { now: true, onlyConnectionIds: only })));
    },
  );

  r.post(
    '/products/:id/queue',
    {
      schema: {
        tags,
        summary: 'Queue a push of a product to its linked platforms',
        description: 'Queued with the debounce; `priority: high` runs before normal pushes. 202 with the targets.',
        params: idParams,
        body: queueBody,
        response: { 202: queued, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await assertProduct(request.tenantId, id);
      const priority = PRIORITIES[request.body?.priority ?? 'normal'];
      return reply.code(202).send(view(id, await enqueueProductPushes(deps.engine, request.tenantId, [id], { priority })));
    },
  );

  r.get(
    '/products/:id/queue-status',
    {
      schema: {
        tags,
        summary: 'Where the pushes of a product stand, per linked platform',
        params: idParams,
        response: { 200: z.object({ productId: z.string(), targets: z.array(targetStatus) }), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const targets = await deps.engine.productPushes.status(request.tenantId, id);
      if (!targets) throw new SyncError('not_found', `product ${id} not found`);
      return { productId: id, targets };
    },
  );

  r.post(
    '/products/full-sync',
    {
      schema: {
        tags,
        summary: 'Queue a push of every linked product of the tenant',
        description: 'Below interactive pushes in priority; unchanged SKUs are not sent again. 202 with the number of products and of (product, platform) targets queued.',
        body: fullSyncBody,
        response: { 202: z.object({ products: z.number().int(), targets: z.number().int() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await deps.engine.productPushes.enqueueAll(request.tenantId)),
  );
}
