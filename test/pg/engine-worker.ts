// A worker process on a PostgreSQL database, for test/pg/shared-limits.test.ts and `npm run bench --
// pull-budget --workers N`: an engine with the Shopify and eMAG connectors taking run jobs one at a time (so
// that runs going on at once are in different processes, whichever worker gets which). Prints
// {"event":"ready"} once it takes jobs; stops on SIGTERM.
//   CS_DATABASE_URL, CS_MASTER_KEY, CS_LOG_LEVEL (default silent); COMMERCE_SYNC_TEST_PER_PROCESS_LIMITS passes through
import { emagConnector } from '../../src/connectors/emag/index.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { startQueue } from '../../src/engine/queue.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { createLogger } from '../../src/server/logger.js';
import { openDatabase } from '../../src/store/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const db = await openDatabase({ databaseUrl: env('CS_DATABASE_URL'), dataDir: '' });
const logger = createLogger({ level: process.env.CS_LOG_LEVEL ?? 'silent' });
const queue = await startQueue(db, logger);
const engine = new Engine({
  db,
  box: new SecretBox(parseMasterKey(env('CS_MASTER_KEY'))),
  logger,
  registry: connectorRegistry([shopifyConnector, emagConnector]),
  concurrency: 1,
  leaseMs: 5_000,
  staleQueuedMs: 1_000,
  // Throttles that name no wait back off from 5 ms: a client without a shared budget storms at once.
  http: { timeoutMs: 10_000, backoff: { baseMs: 5, capMs: 100 } },
  outbound: SANDBOX_OUTBOUND,
});
await engine.start(queue);
process.stdout.write(JSON.stringify({ event: 'ready', owner: engine.owner }) + '\n');

process.once('SIGTERM', () => {
  void (async () => {
    await engine.stop();
    await queue.stop({ graceful: false }).catch(() => undefined);
    await db.close();
    process.exit(0);
  })();
});
