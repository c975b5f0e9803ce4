// GET /api/v1/stock: stock levels per product (SKU) and location, in id order.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { decodeIdCursor, hubRecordExists } from '../../store/hub-reads.js';
import { listStock } from '../../store/hub-reads-stock.js';
import { errorResponses, pageOf, pageQuery, sendJsonPage, uuid } from '../schemas.js';

const stockView = z.object({
  id: z.string(),
  productId: z.string().nullable(),
  sku: z.string().nullable().describe("the product's SKU; null for a variant without one"),
  productName: z.string().nullable(),
  locationId: z.string().describe('the location or warehouse id on the platform that reported the stock'),
  available: z.number(),
  reserved: z.number(),
  announced: z.number(),
  reorderPoint: z.number().nullable().describe("the product's reorder point, when it has one"),
  updatedAt: z.string(),
});

export const stockPage = pageOf(stockView);

const listQuery = pageQuery.extend({
  sku: z.string().min(1).max(255).optional().describe('exact SKU (case-sensitive)'),
  productId: uuid.optional().describe("only this product's locations"),
  belowReorderPoint: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe("true: only products whose available stock summed over their locations is below the product's reorder point; false: the others"),
});

export function stockRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/stock',
    {
      schema: {
        tags: ['stock'],
        summary: 'List stock levels per product (SKU) and location',
        querystring: listQuery,
        response: { 200: stockPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const afterId = cursor ? decodeIdCursor(cursor) : null;
      if (cursor && !afterId) throw new SyncError('validation_failed', 'cursor is not valid for this list: use nextCursor of a previous page');
      const tenantId = request.tenantId;
      const page = await deps.db.withTenant(tenantId, async (tx) => {
        if (filter.productId && !(await hubRecordExists(tx, 'product', tenantId, filter.productId))) throw new SyncError('not_found', `product ${filter.productId} not found`);
        return listStock(tx, tenantId, { ...filter, limit, afterId });
      });
      return sendJsonPage(reply, page);
    },
  );
}
