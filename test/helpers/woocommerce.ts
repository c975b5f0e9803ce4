// An engine wired to the WooCommerce sandbox: fresh database, tenant, one connection to the sandbox
// store, and the store's truth next to the hub's copy in the same shape — one SKU per simple product or
// variation (id, sku, price, name), orders (id, number, status, total, lines), customers (id, email).
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { startWooSandbox, type WooSandbox, type WooSandboxOptions } from '../../src/sandbox/woocommerce/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Queryable } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

type Loose = Record<string, unknown>;

export interface WooHarness {
  t: TestDb;
  sb: WooSandbox;
  engine: Engine;
  tenantId: string;
  connectionId: string;
  sync(mode?: 'full' | 'incremental', streams?: string[]): Promise<RunRow[]>;
  close(): Promise<void>;
}

export async function createWooHarness(opts: {
  sandbox?: WooSandboxOptions; settings?: Record<string, unknown>; credentials?: Record<string, unknown>; engine?: Partial<EngineOptions>;
} = {}): Promise<WooHarness> {
  const t = await createTestDb();
  const sb = await startWooSandbox({ timeScale: 20, ...opts.sandbox });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'woo'));
  const conn = await t.db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'woocommerce', name: 'woo',
      // The sandbox speaks plain http: the connector signs with OAuth 1.0a, as against a real http store.
      settings: { siteUrl: sb.url, ...opts.settings },
      credentials: { consumerKey: sb.consumerKey, consumerSecret: sb.consumerSecret, ...opts.credentials },
    }),
  );
  const engine = new Engine({
    db: t.db, box, logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry: connectorRegistry([wooConnector]), http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } }, outbound: SANDBOX_OUTBOUND, ...opts.engine,
  });
  return {
    t, sb, engine, tenantId: tenant.id, connectionId: conn.id,
    async sync(mode = 'incremental', streams) {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, mode, streams, trigger: 'cli', force: true });
      const out: RunRow[] = [];
      for (const run of res.created) out.push((await engine.execute(tenant.id, run.id))!);
      return out;
    },
    async close() {
      await engine.stop();
      await sb.close();
      await t.cleanup();
    },
  };
}

const byId = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => Number(a.id) - Number(b.id));
const cents = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v).toFixed(2));

/** The store's truth: the sandbox's own view, not read through the API (trashed products left out). */
export function storeTruth(sb: WooSandbox) {
  const skus = sb.products().filter((p) => p.status !== 'trash').flatMap((p) =>
    p.type === 'variable'
      ? p.variation_objects.map((v) => ({
        id: String(v.id), sku: (v.sku as string) || null, price: cents((v.sale_price as string) || v.regular_price),
        name: `${p.name as string} - ${(v.attributes as Loose[]).map((a) => a.option).join(', ')}`,
      }))
      : [{ id: String(p.id), sku: (p.sku as string) || null, price: cents((p.sale_price as string) || p.regular_price), name: p.name as string }]);
  const orders = sb.orders().filter((o) => o.status !== 'trash').map((o) => ({
    id: String(o.id), number: String(o.number), status: o.status as string, total: cents(o.total), lines: (o.line_items as unknown[]).length,
  }));
  const customers = sb.customers().map((c) => ({ id: String(c.id), email: (c.email as string) || null }));
  return { skus: byId(skus), orders: byId(orders), customers: byId(customers) };
}

/** The hub's copy of the connection, in the shape of storeTruth. */
export async function hubCopy(db: Queryable, connectionId: string) {
  const skus = (await db.query<{ id: string; sku: string | null; price: string | null; name: string }>(
    `SELECT l.external_id AS id, p.sku, p.data->>'price' AS price, p.name FROM links l JOIN products p ON p.id = l.hub_id
      WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL`, [connectionId])).rows.map((r) => ({ ...r, price: cents(r.price) }));
  const orders = (await db.query<{ id: string; number: string; status: string; total: string; lines: number }>(
    `SELECT l.external_id AS id, o.number, o.status, o.total::text AS total, (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id) AS lines
       FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'order' AND l.deleted_at IS NULL`, [connectionId])).rows.map((r) => ({ ...r, total: cents(r.total) }));
  const customers = (await db.query<{ id: string; email: string | null }>(
    `SELECT l.external_id AS id, c.email FROM links l JOIN customers c ON c.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'customer' AND l.deleted_at IS NULL`, [connectionId])).rows;
  return { skus: byId(skus), orders: byId(orders), customers: byId(customers) };
}

/** Open dead letters of the connection with their reasons (expected: none). */
export async function openDeadLetters(db: Queryable, connectionId: string): Promise<string[]> {
  const { rows } = await db.query<{ reason: string }>(`SELECT reason FROM dead_letters WHERE connection_id = $1 AND status = 'open'`, [connectionId]);
  return rows.map((r) => r.reason);
}
