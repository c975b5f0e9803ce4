// GET /api/v1/sync-status: the tenant's products counted by sync status (definitions in docs/api.md and
// src/store/hub-reads-products.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../store/db.js';
import { syncStatusTotals } from '../../store/hub-reads-products.js';
import { errorResponses } from '../schemas.js';

const totals = z.object({
  total: z.number().describe('live hub products'),
  synced: z.number().describe('total minus the three below'),
  pending: z.number().describe('products whose hub changes are not pushed yet (sync_status PENDING), not counted below'),
  conflict: z.number().describe('products with an open conflict (or sync_status CONFLICT), not in error'),
  error: z.number().describe('products with sync_status ERROR or a link whose record has an open dead letter'),
  unmatched: z.number().describe('live products without a SKU: linked to their one platform record by its id, never matched with other platforms (counted in the others too)'),
  lastSyncAt: z.string().nullable().describe('the latest successful pull of a product stream of any connection'),
});

export function syncStatusRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/sync-status',
    { schema: { tags: ['products'], summary: "The tenant's products by sync status", response: { 200: totals, ...errorResponses } } },
    async (request) => deps.db.withTenant(request.tenantId, (tx) => syncStatusTotals(tx, request.tenantId)),
  );
}
