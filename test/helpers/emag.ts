// An engine wired to the eMAG sandbox: fresh database, tenant, one connection per sandbox account, and
// helpers to compare the hub's orders with the sandbox's truth — id, status, lines and the total the
// customer pays to the cent (the sandbox computes it on its own, vouchers included).
import { emagConnector } from '../../src/connectors/emag/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { type EmagSandbox, type EmagSandboxOptions, startEmagSandbox } from '../../src/sandbox/emag/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import type { Queryable } from '../../src/store/db.js';
import { createTestDb, type TestDb, waitFor } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

export interface EmagHarness {
  t: TestDb;
  sb: EmagSandbox;
  engine: Engine;
  /** Another worker on the same database (e.g. the one that takes over a dead worker's run). */
  newEngine(): Engine;
  tenantId: string;
  /** Connection id per sandbox account name. */
  connections: Record<string, string>;
  sync(account: string, opts?: { mode?: 'full' | 'incremental'; streams?: string[] }): Promise<RunRow[]>;
  hubOrders(account: string): Promise<HubOrder[]>;
  sandboxOrders(account: string): SandboxOrder[];
  close(): Promise<void>;
}

const STATUS = ['canceled', 'new', 'in_progress', 'prepared', 'finalized', 'returned'];

export interface SandboxOrder {
  id: string;
  status: string;
  lines: number;
  /** What the customer pays, to the cent ("1189.90"). */
  total: string | null;
}
export type HubOrder = SandboxOrder & { matched: number };

/** The hub's orders of one connection: id, status, line count, total to the cent and lines matched to a hub product. */
export async function hubOrdersOf(db: Queryable, connectionId: string): Promise<HubOrder[]> {
  const { rows } = await db.query<HubOrder>(
    `SELECT l.external_id AS id, o.status, round(o.total, 2)::text AS total,
            (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id) AS lines,
            (SELECT count(*)::int FROM order_lines ol WHERE ol.order_id = o.id AND ol.product_id IS NOT NULL) AS matched
       FROM links l JOIN orders o ON o.id = l.hub_id
      WHERE l.connection_id = $1 AND l.entity = 'order' AND l.deleted_at IS NULL ORDER BY l.external_id`,
    [connectionId],
  );
  return rows;
}

/** The sandbox's orders of one account in the shape of hubOrdersOf (without `matched`); totals from the sandbox's own view. */
export function sandboxOrdersOf(sb: EmagSandbox, account: string): SandboxOrder[] {
  const totals = new Map(sb.orderTotals(account).map((t) => [String(t.id), t.total]));
  return sb
    .orders(account)
    .map((o) => ({
      id: String(o.id), status: STATUS[o.status as number]!, lines: (o.products as { status: number }[]).filter((l) => l.status === 1).length,
      total: totals.get(String(o.id)) ?? null,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function createEmagHarness(opts: {
  sandbox?: EmagSandboxOptions;
  settings?: Record<string, unknown>;
  engine?: Partial<EngineOptions>;
} = {}): Promise<EmagHarness> {
  const t = await createTestDb();
  const timeScale = opts.sandbox?.timeScale ?? 20;
  const sb = await startEmagSandbox({ ...opts.sandbox, timeScale });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'emag'));
  const connections: Record<string, string> = {};
  for (const a of sb.accounts()) {
    const conn = await t.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, box, {
        tenantId: tenant.id, platform: 'emag', name: `emag-${a.name}`,
        // The sandbox's limits run on compressed time: the connection is told the compressed rates.
        settings: { account: a.kind, baseUrl: sb.apiUrl, requestsPerSecond: { orders: 12 * timeScale, other: 3 * timeScale }, ...opts.settings },
        credentials: sb.credentials(a.name),
      }),
    );
    connections[a.name] = conn.id;
  }
  const newEngine = () =>
    new Engine({
      db: t.db, box, logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      registry: connectorRegistry([emagConnector]), http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } }, outbound: SANDBOX_OUTBOUND, ...opts.engine,
    });
  const engine = newEngine();
  return {
    t, sb, engine, newEngine, tenantId: tenant.id, connections,
    async sync(account, o = {}) {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: connections[account]!, mode: o.mode ?? 'incremental', streams: o.streams, trigger: 'cli', force: true });
      const out: RunRow[] = [];
      for (const run of res.created) out.push((await engine.execute(tenant.id, run.id))!);
      return out;
    },
    hubOrders: (account) => hubOrdersOf(t.db, connections[account]!),
    sandboxOrders: (account) => sandboxOrdersOf(sb, account),
    async close() {
      await engine.stop();
      await sb.close();
      await t.cleanup();
    },
  };
}

/**
 * Waits, bounded, until no platform write of the account (eMAG acknowledge) is pending any more and this
 * process's pass over them has ended: they run after their page commits, not inside the run.
 */
export async function pullWritesSettled(h: EmagHarness, account: string, timeoutMs = 20_000): Promise<void> {
  const connectionId = h.connections[account]!;
  await waitFor(async () => {
    const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pull_writes WHERE connection_id = $1 AND status = 'pending'`, [connectionId]);
    return rows[0]!.n === 0;
  }, timeoutMs, `the platform writes of ${account} to be performed`);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    h.engine.pullWritesIdle(connectionId),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the platform-write pass of ${account} did not end within ${timeoutMs} ms`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}
