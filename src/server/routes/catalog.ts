// GET /api/v1/catalog and /catalog/:id — the print-on-demand catalog, always answered from the
// database (never by a call to the platform). When a connection's last successful catalog sync is
// older than its allowed age (or there is none), the read triggers a background refresh through the
// engine's single-flight and minimum-interval rules and answers at once with what is stored, saying
// `stale: true` and the refresh run's id: however many readers arrive, at most one refresh runs.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { InFlight } from '../../core/in-flight.js';
import type { Engine } from '../../engine/engine.js';
import { ensureFresh } from '../../engine/staleness.js';
import { type CatalogConnection, catalogConnections, decodeCatalogCursor, getCatalogItem, listCatalogItemsJson } from '../../store/catalog.js';
import type { Db } from '../../store/db.js';
import { errorResponses, idParams, pageQuery, uuid } from '../schemas.js';

export const DEFAULT_CATALOG_MAX_AGE_MS = 24 * 3600_000;

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const price = z.coerce.number().min(0).max(1e12);

const listQuery = pageQuery.extend({
  connectionId: uuid.optional().describe('only this connection\'s catalog'),
  productId: z.string().min(1).max(100).optional().describe('catalog product id (Printful product id)'),
  inStock: boolParam.optional().describe('orderable in at least one region'),
  q: z.string().min(1).max(200).optional().describe('case-insensitive part of the product or variant name'),
  color: z.string().min(1).max(100).optional(),
  size: z.string().min(1).max(50).optional(),
  minPrice: price.optional(),
  maxPrice: price.optional(),
});

const catalogItem = z.object({
  id: z.string(),
  connectionId: z.string(),
  externalId: z.string().describe('catalog variant id on the platform'),
  productExternalId: z.string().nullable(),
  productName: z.string().nullable(),
  variantName: z.string().nullable(),
  size: z.string().nullable(),
  color: z.string().nullable(),
  colorCode: z.string().nullable(),
  imageUrl: z.string().nullable(),
  price: z.string().nullable(),
  currency: z.string().nullable(),
  inStock: z.boolean().nullable(),
  availability: z.record(z.string(), z.string()).nullable().describe('region -> availability status'),
  updatedAt: z.string(),
});

const connectionFreshness = z.object({
  connectionId: z.string(),
  stale: z.boolean(),
  lastSuccessAt: z.string().nullable(),
  refreshRunId: z.string().nullable(),
  retryAfterMs: z.number().optional().describe('the refresh was refused by the minimum interval; it may run after this long'),
  error: z.string().optional().describe('why no refresh could be started (e.g. the connection is disabled)'),
});

const freshnessFields = {
  stale: z.boolean().describe('true when any catalog connection is older than its allowed age'),
  refreshRunId: z.string().nullable().describe('the background refresh run (new or already under way)'),
  lastSyncAt: z.string().nullable().describe('oldest last successful catalog sync over the connections'),
  connections: z.array(connectionFreshness),
};

const listResponse = z.object({ items: z.array(catalogItem), nextCursor: z.string().nullable(), ...freshnessFields });
const freshnessPart = z.object(freshnessFields);

type Freshness = z.infer<typeof connectionFreshness>;

export interface CatalogRouteDeps {
  db: Db;
  engine: Engine;
  /** Allowed age of the stored catalog; a connection's `catalogMaxAgeMinutes` setting overrides it. */
  catalogMaxAgeMs?: number;
}

// Concurrent identical reads share one database read, and concurrent reads of one stale connection
// share one refresh trigger: the answers are the same (the rules live in the database), and under a
// burst of readers the database serves one query instead of N. Nothing is kept once they settle.
const checksInFlight = new InFlight<Freshness>();
const sharedCheck = (key: string, check: () => Promise<Freshness>) => checksInFlight.run(key, check);
// A burst of identical reads also shares the answer's serialization: one JSON body, sent to each of
// them as is. The items are JSON as the database wrote them (see listCatalogItemsJson); only the
// small freshness part is validated and serialized here.
const pagesInFlight = new InFlight<Buffer>({ gather: true });
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Freshness of each catalog connection, from what `catalogConnections` read in the read's own
 * transaction. Only a stale catalog with no refresh under way goes through the engine's trigger
 * (single-flight, minimum interval): fresh data and a refresh already running need no further query.
 */
async function checkFreshness(deps: CatalogRouteDeps, tenantId: string, conns: CatalogConnection[]) {
  const connections = await Promise.all(
    conns.map(async (c): Promise<Freshness> => {
      const minutes = c.settings.catalogMaxAgeMinutes;
      const maxAgeMs = typeof minutes === 'number' && minutes > 0 ? minutes * 60_000 : (deps.catalogMaxAgeMs ?? DEFAULT_CATALOG_MAX_AGE_MS);
      const lastSuccessAt = c.lastSuccessAt ? c.lastSuccessAt.toISOString() : null;
      if (c.lastSuccessAt && Date.now() - c.lastSuccessAt.getTime() < maxAgeMs) return { connectionId: c.id, stale: false, lastSuccessAt, refreshRunId: null };
      if (c.activeRunId) return { connectionId: c.id, stale: true, lastSuccessAt, refreshRunId: c.activeRunId };
      return sharedCheck(`${tenantId}:${c.id}:${maxAgeMs}`, async () => {
        try {
          const f = await ensureFresh(deps.engine, { tenantId, connectionId: c.id, stream: 'catalog', maxAgeMs, mode: 'full' }, c);
          return { connectionId: c.id, ...f };
        } catch (err) {
          // The read never fails because a refresh cannot start: it says why and serves what is stored.
          return { connectionId: c.id, stale: true, lastSuccessAt: null, refreshRunId: null, error: err instanceof Error ? err.message : String(err) };
        }
      });
    }),
  );
  const synced = connections.map((c) => c.lastSuccessAt);
  return {
    stale: connections.some((c) => c.stale),
    refreshRunId: connections.find((c) => c.refreshRunId)?.refreshRunId ?? null,
    lastSyncAt: synced.length === 0 || synced.includes(null) ? null : [...(synced as string[])].sort()[0]!,
    connections,
  };
}

export function catalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['catalog'];

  r.get(
    '/catalog',
    {
      schema: {
        tags,
        summary: 'List catalog items (from the database; a stale catalog is refreshed in the background)',
        querystring: listQuery,
        response: { 200: listResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const afterId = cursor ? decodeCatalogCursor(cursor) : null;
      if (cursor && !afterId) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      if (filter.minPrice !== undefined && filter.maxPrice !== undefined && filter.minPrice > filter.maxPrice) {
        throw new SyncError('validation_failed', 'minPrice must not be greater than maxPrice');
      }
      const tenantId = request.tenantId;
      const readKey = JSON.stringify([tenantId, filter, limit, afterId]);
      const body = await pagesInFlight.run(readKey, async () => {
        // One transaction for the page and the freshness facts: a read is two statements.
        const { page, conns } = await deps.db.withTenant(tenantId, async (tx) => ({
          page: await listCatalogItemsJson(tx, tenantId, { ...filter, limit, afterId }),
          conns: await catalogConnections(tx, tenantId, filter.connectionId),
        }));
        if (filter.connectionId && conns.length === 0) throw new SyncError('not_found', `connection ${filter.connectionId} not found or has no catalog`);
        const freshness = JSON.stringify(freshnessPart.parse(await checkFreshness(deps, tenantId, conns)));
        return Buffer.from(`{"items":${page.itemsJson},"nextCursor":${JSON.stringify(page.nextCursor)},${freshness.slice(1)}`);
      });
      // Serialized above in listResponse's shape: sent as is.
      return reply.type(JSON_TYPE).send(body as never);
    },
  );

  r.get(
    '/catalog/:id',
    {
      schema: {
        tags,
        summary: 'Get a catalog item with the store products made from it',
        params: idParams,
        response: {
          200: catalogItem.extend({ products: z.array(z.object({ id: z.string(), sku: z.string().nullable(), name: z.string().nullable() })), ...freshnessFields }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const tenantId = request.tenantId;
      const found = await deps.db.withTenant(tenantId, async (tx) => {
        const item = await getCatalogItem(tx, tenantId, id);
        return item ? { item, conns: await catalogConnections(tx, tenantId, item.connectionId) } : null;
      });
      if (!found) throw new SyncError('not_found', `catalog item ${id} not found`);
      return { ...found.item, ...(await checkFreshness(deps, tenantId, found.conns)) };
    },
  );
}
