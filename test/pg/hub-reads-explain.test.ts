// Every query of the hub read API uses an index (PostgreSQL): each list request — first page, a deep
// keyset page, each filter — and each single-record read goes through the real routes on a hub large
// enough that the planner prefers an index where one fits (statistics and visibility map fresh, as
// autovacuum leaves them), and every statement the routes run is explained, under row-level security
// as in production. No plan may scan a big table sequentially.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import { type BulkHub, readScenarios, type ReadScenario, seedBulkHub } from './hub-reads-seed.js';

const BIG_TABLES = new Set(['products', 'links', 'stock_levels', 'customers', 'orders', 'order_lines', 'dead_letters', 'conflicts']);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The big tables a plan reads with a sequential scan. */
function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.has(node['Relation Name']) ? [node['Relation Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

interface Explained {
  sql: string;
  plan: PlanNode;
}

/** Runs each read statement as it is, after recording its plan (with the same parameters, in the same tenant scope). */
function explaining(tx: Queryable, out: Explained[]): Queryable {
  return {
    async query(sql, params) {
      if (/^\s*(SELECT|WITH)\b/i.test(sql)) {
        const { rows } = await tx.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        out.push({ sql, plan: rows[0]!['QUERY PLAN'][0]!.Plan });
      }
      return tx.query(sql, params);
    },
    exec: (sql) => tx.exec(sql),
  };
}

describe('hub read queries use indexes (PostgreSQL)', () => {
  let t: TestDb;
  let hub: BulkHub;
  let app: FastifyInstance;
  let engine: Engine;
  let scenarios: ReadScenario[];
  let recorded: Explained[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    hub = await seedBulkHub(t.db, box, { products: 20_000, orders: 60_000, customers: 10_000 });
    scenarios = await readScenarios(t.db, hub);
    const db: Db = { ...t.db, withTenant: (tenantId, fn) => t.db.withTenant(tenantId, (tx) => fn(explaining(tx, recorded))) };
    const logger = createLogger({ level: 'silent' });
    engine = new Engine({ db: t.db, box, logger, registry: connectorRegistry([]), outbound: SANDBOX_OUTBOUND });
    app = await buildApp({ db, box, logger, engine });
    await app.ready();
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await t?.cleanup();
  });

  it('explains every list request and single read: no sequential scan of a big table', async () => {
    const findings: { scenario: string; seqScans: string[]; sql: string }[] = [];
    for (const s of scenarios) {
      recorded = [];
      const res = await app.inject({ method: 'GET', url: `/api/v1${s.path(0)}`, headers: { authorization: `Bearer ${hub.apiKey}` } });
      expect(res.statusCode, `${s.name}: ${res.body.slice(0, 300)}`).toBe(200);
      const body = res.json();
      // Each request finds something: an empty answer would prove nothing about the plan that serves it.
      if (Array.isArray(body.items)) expect(body.items.length, s.name).toBeGreaterThan(0);
      expect(recorded.length, s.name).toBeGreaterThan(0);
      for (const e of recorded) {
        const scans = seqScans(e.plan);
        if (scans.length > 0) findings.push({ scenario: s.name, seqScans: scans, sql: e.sql.replace(/\s+/g, ' ').slice(0, 200) });
      }
    }
    expect(findings).toEqual([]);
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it('the check sees a sequential scan where no index can serve (a lower() condition under row-level security)', async () => {
    const out: Explained[] = [];
    await t.db.withTenant(hub.tenantId, (tx) =>
      explaining(tx, out).query(`SELECT id FROM products WHERE tenant_id = $1 AND lower(name) LIKE 'blue hoodie 1%' ORDER BY name LIMIT 100`, [hub.tenantId]),
    );
    expect(seqScans(out[0]!.plan)).toContain('products');
  });
});
