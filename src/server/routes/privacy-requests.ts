// GET /api/v1/privacy-requests and /privacy-requests/:id: the privacy requests platforms sent
// (Shopify's customers/data_request, customers/redact, shop/redact; src/engine/privacy.ts). A data
// request answers with what the hub holds on the customer, read when asked; a redaction's row is its
// audit (counts of rows per table, no personal values). Another tenant's request is a 404.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import { decodeCursor } from '../../store/paging.js';
import { getPrivacyRequest, listPrivacyRequests } from '../../store/privacy-requests.js';
import { errorResponses, idParams, pageOf, pageQuery, uuid } from '../schemas.js';

const TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;

const privacyRequestView = z.object({
  id: z.string(),
  connectionId: z.string(),
  platform: z.string(),
  topic: z.enum(TOPICS),
  webhookId: z.string().describe("the platform's delivery id"),
  shopId: z.string().nullable(),
  shopDomain: z.string().nullable(),
  customer: z
    .object({
      externalId: z.string().nullable(),
      email: z.string().nullable().describe('data requests only; null once the customer or shop is redacted'),
      phone: z.string().nullable(),
    })
    .nullable(),
  orderExternalIds: z.array(z.string()).describe('orders_requested / orders_to_redact'),
  dataRequestId: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).describe('redactions: rows changed per table (counts only)'),
  receivedAt: z.string(),
  completedAt: z.string().nullable(),
});

const privacyRequestDetail = privacyRequestView.extend({
  data: z
    .object({
      customers: z.array(z.record(z.string(), z.unknown())).describe("hub customers found by the platform's customer id through links, else by e-mail"),
      orders: z.array(z.record(z.string(), z.unknown())).describe("the customers' orders and the orders the request names, with their lines"),
    })
    .nullable()
    .describe('data requests: what the hub holds on the customer now; null for redactions'),
});

export function privacyRequestRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];

  r.get(
    '/privacy-requests',
    {
      schema: {
        tags,
        summary: 'List privacy requests from platforms, oldest first',
        querystring: pageQuery.extend({ connectionId: uuid.optional(), topic: z.enum(TOPICS).optional() }),
        response: { 200: pageOf(privacyRequestView), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, connectionId, topic } = request.query;
      const after = cursor ? decodeCursor(cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      return deps.db.withTenant(request.tenantId, (tx) => listPrivacyRequests(tx, request.tenantId, { limit, after, connectionId, topic }));
    },
  );

  r.get(
    '/privacy-requests/:id',
    { schema: { tags, summary: "Get a privacy request; a data request with the customer's data", params: idParams, response: { 200: privacyRequestDetail, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const found = await deps.db.withTenant(request.tenantId, (tx) => getPrivacyRequest(tx, request.tenantId, id));
      if (!found) throw new SyncError('not_found', `privacy request ${id} not found`);
      return found;
    },
  );
}
