// One bulk pull of the bulk-memory bench, in a process of its own so its peak RSS is that pull's alone:
//   node --import tsx bench/bulk-memory-child.ts <data dir> <sandbox url> <expected orders>
// Opens the (already migrated) embedded data dir, runs a full pull of the Shopify orders stream —
// a bulk operation whose JSONL result is streamed to disk and read back page by page — checks the
// hub holds exactly the expected orders, and prints {"orders", "maxRssKb", "seconds", "lines"}.
import { shopifyConnector } from '../src/connectors/shopify/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import { createLogger } from '../src/server/logger.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';
import { insertConnection } from '../src/store/connections.js';
import { openDatabase } from '../src/store/db.js';
import { createTenant } from '../src/store/tenants.js';

const [dataDir, url, countArg] = process.argv.slice(2);
const expected = Number(countArg);
// A postgres:// "data dir" runs the pull against PostgreSQL, whose memory lives in its own processes.
const db = await openDatabase(dataDir!.startsWith('postgres') ? { databaseUrl: dataDir!, dataDir: '' } : { dataDir: dataDir! });
try {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, 'bulk'));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'shopify', name: 'shop',
      settings: { shopDomain: 'sandbox-shop.myshopify.com', baseUrl: url!, apiVersion: '2026-07', mode: 'graphql' },
      credentials: { accessToken: 'shpat_sandbox' },
    }),
  );
  const engine = new Engine({ db, box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([shopifyConnector]), outbound: SANDBOX_OUTBOUND });
  const started = performance.now();
  const { created } = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['orders'], mode: 'full', trigger: 'cli', force: true });
  const run = await engine.execute(tenant.id, created[0]!.id);
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ orders: number; lines: number }>('SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM order_lines) AS lines');
  if (run?.status !== 'succeeded' || rows[0]!.orders !== expected) {
    throw new Error(`run ${run?.status} ${JSON.stringify(run?.error)}; hub holds ${rows[0]!.orders} orders, expected ${expected}`);
  }
  process.stdout.write(JSON.stringify({ orders: expected, lines: rows[0]!.lines, maxRssKb: process.resourceUsage().maxRSS, seconds: Number(seconds.toFixed(1)) }) + '\n');
} finally {
  await db.close();
}
process.exit(0);
