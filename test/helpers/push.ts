// A Shopify sandbox pulled into a fresh hub, with the job queue and worker running and the API in front:
// what the product push tests need to edit the hub and watch the edits reach the shop.
import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import { startQueue } from '../../src/engine/queue.js';
import type { ShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { createApiKey } from '../../src/store/tenants.js';
import { waitFor } from './db.js';
import { type Harness, shopifyHarness } from './shopify.js';

export interface PushHarness extends Harness {
  app: FastifyInstance;
  queue: PgBoss;
  auth: { authorization: string };
  /** The hub products linked to the shop, with their link (one row per variant). */
  linked(): Promise<{ id: string; externalId: string; parentExternalId: string; sku: string | null; price: string }[]>;
  /** PATCH /products/:id at its current version. */
  patch(id: string, fields: Record<string, unknown>): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  product(id: string): Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** productSet requests the shop received since the last clearRequests. */
  productSets(): number;
  /** Resolves once the product is synced again (no target waiting for a push). */
  settled(id: string, timeoutMs?: number): Promise<void>;
}

export async function pushHarness(seed: Parameters<ShopifySandbox['seed']>[0], push: { debounceMs?: number; maxAttempts?: number } = {}): Promise<PushHarness> {
  const h = await shopifyHarness(seed, {}, '2026-07', 'graphql', {
    productPush: { debounceMs: push.debounceMs ?? 150, maxAttempts: push.maxAttempts ?? 5, backoff: { baseMs: 50, capMs: 200 } },
  });
  const runs = await h.sync('full');
  if (runs.some((r) => r.status !== 'succeeded')) throw new Error(`the first pull did not succeed: ${JSON.stringify(runs.map((r) => r.status))}`);
  const queue = await startQueue(h.t.db, { error: () => undefined });
  await h.engine.start(queue, { embedded: true });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await buildApp({ db: h.t.db, box: h.engine.deps.box, logger, engine: h.engine });
  const key = await h.t.db.transaction((tx) => createApiKey(tx, h.tenantId, 'push-test'));
  const auth = { authorization: `Bearer ${key}` };
  const product = async (id: string) => (await app.inject({ method: 'GET', url: `/api/v1/products/${id}`, headers: auth })).json();
  return {
    ...h,
    app,
    queue,
    auth,
    async linked() {
      const { rows } = await h.t.db.query<{ id: string; externalId: string; parentExternalId: string; sku: string | null; price: string }>(
        `SELECT p.id, l.external_id AS "externalId", l.parent_external_id AS "parentExternalId", coalesce(p.data->>'sku', p.sku) AS sku, p.data->>'price' AS price
           FROM links l JOIN products p ON p.id = l.hub_id
          WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL ORDER BY length(l.external_id), l.external_id`,
        [h.connectionId],
      );
      return rows;
    },
    async patch(id, fields) {
      const current = await product(id);
      const res = await app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: { ...auth, 'if-match': `"${current.version}"` }, payload: fields });
      return { statusCode: res.statusCode, body: res.json() };
    },
    product,
    productSets: () => h.sb.requests().filter((r) => r.operationName === 'Push' && r.status === 200 && !r.fault).length,
    async settled(id, timeoutMs = 10_000) {
      await waitFor(async () => (await product(id)).syncStatus === 'in_sync', timeoutMs, `product ${id} in sync`);
    },
    async close() {
      await app.close();
      await h.engine.stop();
      await queue.stop({ graceful: false, wait: true });
      await h.close();
    },
  };
}
