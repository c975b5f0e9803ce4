// A worker process pulling one stream of a WooCommerce connection, for the test that kills it with
// SIGKILL mid-pull (test/connectors/woocommerce-crash.test.ts). The engine's own pull child
// (test/engine/fixtures/pull-child.ts) knows other connectors only; this one knows WooCommerce. It
// runs (or resumes) the stream's run to its end and prints one JSON line per committed page, with the
// run's attempt, so the parent can pick its moment to kill it and tell whose page it is.
//   CS_DATA_DIR or CS_DATABASE_URL, CS_TENANT, CS_CONNECTION, CS_STREAM, CS_MODE, CS_LEASE_MS, CS_MASTER_KEY
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { expireAllLeases } from '../../src/engine/runs.js';
import { createLogger } from '../../src/server/logger.js';
import { openDatabase } from '../../src/store/db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const tenantId = env('CS_TENANT');
const connectionId = env('CS_CONNECTION');
const db = await openDatabase({ databaseUrl: process.env.CS_DATABASE_URL, dataDir: process.env.CS_DATA_DIR ?? '' });
// Embedded: this process owns the data dir, so any lease in it belongs to a dead process.
if (db.driver === 'pglite') await db.transaction((tx) => expireAllLeases(tx));
const engine = new Engine({
  db,
  box: new SecretBox(parseMasterKey(env('CS_MASTER_KEY'))),
  logger: createLogger({ level: 'silent' }),
  registry: connectorRegistry([wooConnector]),
  leaseMs: Number(process.env.CS_LEASE_MS ?? 1_000),
  http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 50 } },
  outbound: SANDBOX_OUTBOUND,
});

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const report = setInterval(() => {
  void db.query<{ page: number; attempts: number }>(
    `SELECT (progress->>'page')::int AS page, attempts FROM sync_runs WHERE connection_id = $1 AND status = 'running'`,
    [connectionId],
  )
    .then((r) => r.rows[0] && out({ page: r.rows[0].page, attempts: r.rows[0].attempts }))
    .catch(() => undefined);
}, 20);

const trig = await engine.trigger({ tenantId, connectionId, streams: [env('CS_STREAM')], mode: env('CS_MODE') as 'full' | 'incremental', trigger: 'cli', force: true });
const run = trig.created[0] ?? trig.active[0]!;
out({ event: trig.created.length ? 'created' : 'joined', runId: run.id });
// On PostgreSQL the killed worker's lease is still in the database: wait for it to expire, then take over.
let result = null;
for (;;) {
  result = await engine.execute(tenantId, run.id);
  if (result) break;
  const current = await db.query<{ status: string }>('SELECT status FROM sync_runs WHERE id = $1', [run.id]);
  if (current.rows[0] && !['queued', 'running'].includes(current.rows[0].status)) {
    out({ event: 'ended-elsewhere', status: current.rows[0].status });
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
clearInterval(report);
if (result) out({ event: 'finished', status: result.status, counts: result.counts });
await engine.stop();
await db.close();
