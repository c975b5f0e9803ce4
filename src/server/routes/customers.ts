// GET /api/v1/customers and /customers/:id: hub customers; one customer with their newest orders.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { decodeHubCursor } from '../../store/hub-reads.js';
import { CUSTOMER_ORDERS_SHOWN, getCustomer, listCustomers } from '../../store/hub-reads-orders.js';
import { errorResponses, idParams, linkView, pageOf, pageQuery, sendJsonPage } from '../schemas.js';
import { orderSummary } from './orders.js';

const customerView = z.object({
  id: z.string(),
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  phone: z.string().nullable(),
  tags: z.array(z.unknown()).nullable(),
  acceptsMarketing: z.boolean().nullable(),
  addresses: z.array(z.unknown()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.array(linkView),
});

export const customerPage = pageOf(customerView);

export const customerDetail = customerView.extend({
  orders: z.array(orderSummary).describe(`the customer's newest orders, newest first, at most ${CUSTOMER_ORDERS_SHOWN}; GET /orders?customerId= pages through all`),
  orderCount: z.number().describe('all live orders of the customer'),
  ordersTruncated: z.boolean().describe(`true when the customer has more than ${CUSTOMER_ORDERS_SHOWN} orders`),
});

const listQuery = pageQuery.extend({
  email: z.string().min(1).max(320).optional().describe('exact email address, in any letter case'),
});

export function customerRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['customers'];

  r.get(
    '/customers',
    { schema: { tags, summary: 'List hub customers in order of creation', querystring: listQuery, response: { 200: customerPage, ...errorResponses } } },
    async (request, reply) => {
      const { limit, cursor, email } = request.query;
      const after = cursor ? decodeHubCursor('customers', cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid for this list: use nextCursor of a previous page');
      return sendJsonPage(reply, await deps.db.withTenant(request.tenantId, (tx) => listCustomers(tx, request.tenantId, { email, limit, after })));
    },
  );

  r.get(
    '/customers/:id',
    { schema: { tags, summary: 'Get a customer with their newest orders', params: idParams, response: { 200: customerDetail, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const customer = await deps.db.withTenant(request.tenantId, (tx) => getCustomer(tx, request.tenantId, id));
      if (!customer) throw new SyncError('not_found', `customer ${id} not found`);
      return customer;
    },
  );
}
