// Retention of the audit trail (sync_log): lines older than the retention period (default 30 days,
// EngineOptions.syncLogRetentionDays) are deleted once a day by a pg-boss schedule, so the cluster
// runs it once whichever processes are up. Deleted in batches, so a first run over a large backlog
// never holds one long transaction.
import type PgBoss from 'pg-boss';
import type { Db } from '../store/db.js';
import { ensureQueue } from './queue.js';

export const RETENTION_QUEUE = 'sync-log-retention';
export const DEFAULT_SYNC_LOG_RETENTION_DAYS = 30;
const BATCH = 5_000;

/** Deletes sync_log lines older than `days`; returns how many. */
export async function pruneSyncLog(db: Db, days: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `WITH gone AS (DELETE FROM sync_log WHERE id IN (
          SELECT id FROM sync_log WHERE created_at < now() - make_interval(days => $1::int) ORDER BY id LIMIT ${BATCH})
        RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [days],
    );
    deleted += rows[0]!.n;
    if (rows[0]!.n < BATCH) return deleted;
  }
}

/** The daily schedule and its worker; returns the worker id. */
export async function startRetention(queue: PgBoss, db: Db, days: number, onPruned: (deleted: number) => void): Promise<string> {
  await ensureQueue(queue, RETENTION_QUEUE);
  await queue.schedule(RETENTION_QUEUE, '17 3 * * *', {}, { retryLimit: 2 });
  return queue.work(RETENTION_QUEUE, { pollingIntervalSeconds: 60 }, async () => onPruned(await pruneSyncLog(db, days)));
}
