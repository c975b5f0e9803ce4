// GET /api/v1/stock: stock levels per product (SKU), source and location, in id order.
// PUT /api/v1/products/:id/stock: the hub's own level of a product at a location; the product is then
// pushed to its storefronts (stock flows only from the hub and JTL-FFN, core/ownership.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { enqueueProductPushes, type PushOutbox } from '../../engine/product-pushes.js';
import type { Db } from '../../store/db.js';
import { setHubStock, StockSetInput } from '../../store/hub-writes-stock.js';
import { decodeIdCursor, hubRecordExists } from '../../store/hub-reads.js';
import { listStock } from '../../store/hub-reads-stock.js';
import { errorResponses, idParams, pageOf, pageQuery, sendJsonPage, uuid } from '../schemas.js';

const stockView = z.object({
  id: z.string(),
  productId: z.string().nullable(),
  sku: z.string().nullable().describe("the product's SKU; null for a variant without one"),
  productName: z.string().nullable(),
  locationId: z.string().describe('the location or warehouse id on the platform that reported the stock ("hub" or another id for levels set in the hub)'),
  origin: z.string().describe("who reported it: 'hub' and 'jtl-ffn' levels are the hub's stock (pushed to the storefronts); a storefront's or marketplace's level is what that channel shows"),
  connectionId: z.string().nullable().describe('the connection that reported it; null for a level set in the hub'),
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

const hubStock = z.object({
  productId: z.string(),
  available: z.number().describe("the hub's stock: the sum of the levels below, what the storefronts are sent"),
  levels: z.array(z.object({ locationId: z.string(), origin: z.string(), available: z.number(), reserved: z.number(), announced: z.number(), updatedAt: z.string() })),
});

export function stockRoutes(app: FastifyInstance, deps: { db: Db; engine?: PushOutbox }): void {
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

  r.put(
    '/products/:id/stock',
    {
      schema: {
        tags: ['stock'],
        summary: "Set the hub's stock of a product at a location (absolute)",
        description:
          "The hub and JTL-FFN are the sources of stock: the product's storefronts (Shopify, WooCommerce, eMAG) are then sent the sum of the hub's and JTL-FFN's levels. " +
          "A storefront's own change of its level is not taken into the hub: it is logged as refused and the next push sets it back.",
        params: idParams,
        body: StockSetInput,
        response: { 200: hubStock, ...errorResponses },
      },
    },
    async (request) => {
      const stock = await setHubStock(deps.db, request.tenantId, request.params.id, request.body);
      // After the commit, as a product edit: the push reads the stock this request left.
      if (deps.engine) {
        await enqueueProductPushes(deps.engine, request.tenantId, [request.params.id]).catch((err) => request.log.warn({ err, productId: request.params.id }, 'could not queue the product push'));
      }
      return stock;
    },
  );
}
