// An engine wired to a test source: fresh database, tenant, connection, and helpers to compare
// the hub with the source.
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import type { Db } from '../../src/store/db.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';
import { testConnector, type TestConnectorOptions } from './test-connector.js';
import { startTestSource, type StartOptions, type TestSource, TEST_SOURCE_TOKEN } from './test-source.js';

export interface EngineHarness {
  t: TestDb;
  db: Db;
  box: SecretBox;
  source: TestSource;
  engine: Engine;
  tenantId: string;
  apiKey: string;
  connectionId: string;
  hubProducts(): Promise<{ id: string; sku: string; name: string; price: string }[]>;
  sourceProducts(): { id: string; sku: string; name: string; price: string }[];
  /** Triggers a run of the products stream and executes it here, to its end. */
  sync(mode?: 'full' | 'incremental', extra?: { deadlineMs?: number }): Promise<RunRow>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  source: StartOptions;
  settings?: Record<string, unknown>;
  connector?: TestConnectorOptions;
  engine?: Partial<EngineOptions>;
  db?: TestDb;
}

export async function createEngineHarness(opts: HarnessOptions): Promise<EngineHarness> {
  const t = opts.db ?? (await createTestDb());
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const source = await startTestSource(opts.source);
  const { tenant, apiKey } = await t.db.transaction((tx) => createTenant(tx, 'engine-test'));
  const conn = await t.db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id,
      platform: opts.connector?.platform ?? 'woocommerce',
      name: 'source',
      settings: { baseUrl: source.url, ...opts.settings },
      credentials: { token: TEST_SOURCE_TOKEN },
    }),
  );
  const engine = new Engine({
    db: t.db,
    box,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry: connectorRegistry([testConnector(opts.connector)]),
    http: { timeoutMs: 1_000, backoff: { baseMs: 5, capMs: 50 } },
    outbound: SANDBOX_OUTBOUND,
    ...opts.engine,
  });
  const h: EngineHarness = {
    t,
    db: t.db,
    box,
    source,
    engine,
    tenantId: tenant.id,
    apiKey,
    connectionId: conn.id,
    async hubProducts() {
      const { rows } = await t.db.query<{ id: string; sku: string; name: string; price: string }>(
        `SELECT l.external_id AS id, p.sku, p.name, p.data->>'price' AS price
           FROM links l JOIN products p ON p.id = l.hub_id
          WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL AND p.deleted_at IS NULL
          ORDER BY l.external_id`,
        [conn.id],
      );
      return rows;
    },
    sourceProducts() {
      return source.records().map((r) => ({ id: r.id, sku: r.sku, name: r.name, price: r.price }));
    },
    async sync(mode = 'incremental', extra = {}) {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['products'], mode, trigger: 'cli', force: true, ...extra });
      const run = res.created[0] ?? res.active[0];
      if (!run) throw new Error(`no run: ${JSON.stringify(res.throttled)}`);
      const done = await engine.execute(tenant.id, run.id);
      if (!done) throw new Error('run was held by another worker');
      return done;
    },
    async close() {
      await engine.stop();
      await source.close();
      if (!opts.db) await t.cleanup();
    },
  };
  return h;
}
