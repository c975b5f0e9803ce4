// GET /api/v1/orders and /orders/:id: hub orders with their lines, newest first.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { decodeHubCursor, hubRecordExists } from '../../store/hub-reads.js';
import { getOrder, listOrders } from '../../store/hub-reads-orders.js';
import { errorResponses, idParams, isoInstant, linkView, pageOf, pageQuery, sendJsonPage, uuid } from '../schemas.js';

/**
 * Order statuses stay in each platform's own vocabulary (their state machines do not map 1:1), so the
 * filter takes the union of what the connectors write: Shopify (`orderStatus`: open, closed,
 * cancelled), eMAG (`ORDER_STATUS`, which spells canceled), and WooCommerce's order statuses. Anything
 * else cannot match an order and is refused as a typo (400). A test keeps this in step with the
 * connectors' mappings.
 */
export const ORDER_STATUSES = [
  'open', 'closed', 'cancelled',
  'new', 'in_progress', 'prepared', 'finalized', 'canceled', 'returned',
  'pending', 'processing', 'on-hold', 'completed', 'refunded', 'failed', 'checkout-draft', 'trash',
] as const;

export const orderSummary = z.object({
  id: z.string(),
  number: z.string().nullable().describe('the number the platform shows, e.g. #1001'),
  status: z.string().nullable().describe("in the platform's vocabulary"),
  financialStatus: z.string().nullable(),
  fulfillmentStatus: z.string().nullable(),
  currency: z.string().nullable(),
  total: z.string().nullable().describe('decimal string'),
  placedAt: z.string().nullable().describe('when the order was placed on the platform'),
  orderedAt: z.string().describe('the date the list orders and filters by: placedAt, else when the hub first stored the order'),
});

const money = z.string().nullable().optional();

export const orderView = orderSummary.extend({
  totals: z
    .looseObject({ subtotal: money, tax: money, shipping: money, discount: money.describe('vouchers and other order-level reductions, a positive amount'), total: money })
    .nullable(),
  customerId: z.string().nullable().describe('the hub customer, when the buyer is one'),
  customer: z.record(z.string(), z.unknown()).nullable().describe('the buyer as the platform named it: {externalId, email}'),
  addresses: z.record(z.string(), z.unknown()).nullable().describe('{shipping, billing}'),
  createdAt: z.string(),
  updatedAt: z.string(),
  lines: z.array(
    z.object({
      lineNo: z.number(),
      externalId: z.string().nullable(),
      sku: z.string().nullable(),
      productId: z.string().nullable().describe('the hub product with this SKU, if any'),
      name: z.string().nullable(),
      quantity: z.number(),
      unitPrice: z.string().nullable(),
      total: z.string().nullable(),
    }),
  ),
  links: z.array(linkView),
  fulfilments: z
    .array(
      z.object({
        connectionId: z.string(),
        externalId: z.string().describe("the fulfiller's id (JTL outboundId)"),
        status: z.string().describe("in the fulfiller's words: Pending, Acknowledged, Shipped, Canceled, ..."),
        warehouseId: z.string().nullable(),
        shipments: z.array(z.record(z.string(), z.unknown())).describe('{trackingNumber, trackingUrl, carrier, shippedAt}'),
        updatedAt: z.string(),
      }),
    )
    .describe('outbounds of the order at a fulfiller (JTL-FFN)'),
});

export const orderPage = pageOf(orderView);

const listQuery = pageQuery
  .extend({
    connectionId: uuid.optional().describe('only orders of this connection'),
    status: z.enum(ORDER_STATUSES).optional(),
    createdFrom: isoInstant.optional().describe('orders dated at or after this instant (see orderedAt)'),
    createdTo: isoInstant.optional().describe('orders dated before this instant (exclusive)'),
    customerId: uuid.optional().describe('only orders of this hub customer'),
  });

export function orderRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['orders'];

  r.get(
    '/orders',
    {
      schema: {
        tags,
        summary: 'List hub orders, newest first, with their lines',
        description: 'Filters combine (AND). createdFrom is inclusive, createdTo exclusive; both apply to orderedAt.',
        querystring: listQuery,
        response: { 200: orderPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor ? decodeHubCursor('orders', cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid for this list: use nextCursor of a previous page');
      if (filter.createdFrom && filter.createdTo && Date.parse(filter.createdFrom) > Date.parse(filter.createdTo)) {
        throw new SyncError('validation_failed', 'createdFrom must not be after createdTo');
      }
      const tenantId = request.tenantId;
      const page = await deps.db.withTenant(tenantId, async (tx) => {
        if (filter.connectionId && !(await hubRecordExists(tx, 'connection', tenantId, filter.connectionId))) throw new SyncError('not_found', `connection ${filter.connectionId} not found`);
        if (filter.customerId && !(await hubRecordExists(tx, 'customer', tenantId, filter.customerId))) throw new SyncError('not_found', `customer ${filter.customerId} not found`);
        return listOrders(tx, tenantId, { ...filter, limit, after });
      });
      return sendJsonPage(reply, page);
    },
  );

  r.get(
    '/orders/:id',
    { schema: { tags, summary: 'Get an order with its lines and links', params: idParams, response: { 200: orderView, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const order = await deps.db.withTenant(request.tenantId, (tx) => getOrder(tx, request.tenantId, id));
      if (!order) throw new SyncError('not_found', `order ${id} not found`);
      return order;
    },
  );
}
