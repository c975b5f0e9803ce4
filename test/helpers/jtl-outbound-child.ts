// A process that performs the pending platform writes of one JTL-FFN connection (processPullWrites, as the
// engine's pull-writes pass does), for tests that kill it with SIGKILL while a write is under way. It opens
// the embedded database in CS_DATA_DIR (the parent has closed it), prints {"event":"started"} and, if it
// is not killed first, {"event":"finished","summary":…}.
//   CS_DATA_DIR, CS_MASTER_KEY, CS_TENANT, CS_CONNECTION, CS_CLAIM_MS (default 1500), CS_HTTP_TIMEOUT_MS (default 30000)
import { jtlConnector } from '../../src/connectors/jtl-ffn/index.js';
import { parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { processPullWrites } from '../../src/engine/pull-writes.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { createLogger } from '../../src/server/logger.js';
import { openDatabase } from '../../src/store/db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

const db = await openDatabase({ dataDir: env('CS_DATA_DIR') });
const engine = new Engine({
  db,
  box: new SecretBox(parseMasterKey(env('CS_MASTER_KEY'))),
  logger: createLogger({ level: 'silent' }),
  registry: connectorRegistry([jtlConnector]),
  http: { timeoutMs: Number(process.env.CS_HTTP_TIMEOUT_MS ?? 30_000), backoff: { baseMs: 5, capMs: 50 } },
  outbound: SANDBOX_OUTBOUND,
  onPullWrites: () => undefined,
});
out({ event: 'started' });
const summary = await processPullWrites(engine.deps, env('CS_TENANT'), env('CS_CONNECTION'), { claimMs: Number(process.env.CS_CLAIM_MS ?? 1_500) });
out({ event: 'finished', summary });
await engine.stop();
await db.close();
