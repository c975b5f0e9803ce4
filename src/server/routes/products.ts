// GET /api/v1/products and /products/:id: hub products (one per SKU) with their links to platform
// records, each link's state, and for one product its stock per location and field provenance.
// Reads only; how the sync states are derived is in src/store/hub-reads-products.ts and docs/api.md.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { decodeHubCursor, hubRecordExists } from '../../store/hub-reads.js';
import { getProduct, listProducts, SYNC_STATUSES } from '../../store/hub-reads-products.js';
import { errorResponses, idParams, isoInstant, linkView, pageOf, pageQuery, sendJsonPage, uuid } from '../schemas.js';

const syncStatus = z.enum(SYNC_STATUSES);

const productLink = linkView.extend({
  lastPulledAt: z.string().nullable().describe('when a pull or webhook last read the record, changed or not'),
  lastPushedAt: z.string().nullable().describe('when a push from the hub last wrote the record on its platform; null: never'),
  state: z.enum(['in_sync', 'pending', 'error']),
  error: z
    .object({ message: z.string(), code: z.string().nullable(), deadLetterId: z.string(), at: z.string() })
    .nullable()
    .describe('the newest open dead letter of this record on this connection'),
});

export const productView = z.object({
  id: z.string(),
  sku: z.string().nullable().describe('null for a variant without a SKU'),
  name: z.string().nullable(),
  groupKey: z.string().nullable().describe('the parent product / variable product on the platform'),
  groupTitle: z.string().nullable(),
  fields: z.record(z.string(), z.unknown()).describe('the canonical product fields as stored (price, compareAtPrice, images, ...)'),
  syncStatus,
  lastUpdatedBy: z.string().nullable().describe('the origin of the last write'),
  version: z.number().int().describe('incremented by every write (hub edit or pull); send it back as If-Match to edit or delete'),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.array(productLink),
});

export const productPage = pageOf(productView);

export const productDetail = productView.extend({
  stock: z.array(z.object({ id: z.string(), locationId: z.string(), available: z.number(), reserved: z.number(), announced: z.number(), updatedAt: z.string() })),
  fieldMeta: z
    .record(z.string(), z.object({ origin: z.string().nullable(), at: z.string().nullable() }))
    .describe('per field: the origin (a platform name, or hub) that last set it, and when'),
  conflicts: z.array(
    z.object({
      id: z.string(),
      field: z.string(),
      localOrigin: z.string().nullable(),
      remoteOrigin: z.string().nullable(),
      localAt: z.string().nullable(),
      remoteAt: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
});

const listQuery = pageQuery.extend({
  sku: z.string().min(1).max(255).optional().describe('exact SKU (case-sensitive)'),
  q: z.string().min(1).max(200).optional().describe('prefix of the name or the SKU, in any letter case'),
  syncStatus: syncStatus.optional(),
  connectionId: uuid.optional().describe('only products linked to this connection'),
  updatedSince: isoInstant.optional().describe('only products changed at or after this instant; the list is then in order of last change'),
});

export function productRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['products'];

  r.get(
    '/products',
    {
      schema: {
        tags,
        summary: 'List hub products (one per SKU) with their links and sync states',
        description: 'In order of creation; with `updatedSince`, in order of last change. Filters combine (AND).',
        querystring: listQuery,
        response: { 200: productPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor ? decodeHubCursor(filter.updatedSince ? 'products-updated' : 'products', cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid for this list: use nextCursor of a previous page with the same filters');
      const tenantId = request.tenantId;
      const page = await deps.db.withTenant(tenantId, async (tx) => {
        if (filter.connectionId && !(await hubRecordExists(tx, 'connection', tenantId, filter.connectionId))) throw new SyncError('not_found', `connection ${filter.connectionId} not found`);
        return listProducts(tx, tenantId, { ...filter, limit, after });
      });
      return sendJsonPage(reply, page);
    },
  );

  r.get(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'Get a product with its links, stock per location and per-field provenance',
        params: idParams,
        response: { 200: productDetail, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const product = await deps.db.withTenant(request.tenantId, (tx) => getProduct(tx, request.tenantId, id));
      if (!product) throw new SyncError('not_found', `product ${id} not found`);
      void reply.header('etag', `"${product.version}"`);
      return product;
    },
  );
}
