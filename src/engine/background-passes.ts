// The two kinds of connection passes (connection-passes.ts) the engine runs besides pulls.
import type { Db } from '../store/db.js';
import { ConnectionPasses } from './connection-passes.js';
import { connectionsWithIdlePullWrites, processPullWrites } from './pull-writes.js';
import type { ContextDeps } from './run-context.js';
import { processWebhookEvents } from './webhooks.js';

/** Applies stored webhook deliveries of one connection. */
export const WEBHOOK_QUEUE = 'webhook-apply';
/** Performs the platform writes committed pages asked for (eMAG acknowledge). */
export const PULL_WRITES_QUEUE = 'pull-writes';

const count = async (db: Db, sql: string, connectionId: string) => (await db.query<{ n: number }>(sql, [connectionId])).rows[0]!.n;

export function webhookPasses(deps: ContextDeps): ConnectionPasses {
  return new ConnectionPasses(
    {
      queue: WEBHOOK_QUEUE,
      what: 'webhook processing',
      pass: ({ tenantId, connectionId }, signal) => processWebhookEvents(deps, tenantId, connectionId, { signal }),
      backlog: (db, connectionId) => count(db, `SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1 AND status = 'received'`, connectionId),
      // Deliveries stored but never applied: the receiving process died before its job ran.
      stale: async (db) =>
        (
          await db.query<{ tenant_id: string; connection_id: string }>(
            `SELECT DISTINCT tenant_id, connection_id FROM webhook_events WHERE status = 'received' AND received_at < now() - interval '10 seconds' LIMIT 20`,
          )
        ).rows,
    },
    deps.db,
    deps.logger,
  );
}

export function pullWritePasses(deps: ContextDeps): ConnectionPasses {
  return new ConnectionPasses(
    {
      queue: PULL_WRITES_QUEUE,
      what: 'platform writes',
      pass: ({ tenantId, connectionId }, signal) => processPullWrites(deps, tenantId, connectionId, { signal }),
      backlog: (db, connectionId) => count(db, `SELECT count(*)::int AS n FROM pull_writes WHERE connection_id = $1 AND status = 'pending'`, connectionId),
      // Writes left pending by a process that died after committing their page.
      stale: (db) => connectionsWithIdlePullWrites(db),
    },
    deps.db,
    deps.logger,
  );
}
