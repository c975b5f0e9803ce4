// The one dispatch path (DESIGN.md 5.2): every run is executed by a pg-boss job of the `sync-run`
// queue, whichever way it came to be due — a trigger (API, CLI, schedule, webhook), the end of a
// stream it depends on, or a worker that died holding it. Nothing else starts a run.
//
// A job names a (connection, stream), not a run: it means "work on that stream's active run", so the
// queue's singletonKey per (connection, stream) is exactly the single-flight key, and a job sent twice
// before a worker takes it is one job. The `short` policy keeps at most one *queued* job per key while
// still letting one be queued beside an active one (a stately queue would make pg-boss's fetch fail on
// its unique index in that case). Which worker may execute the run, and when, is decided where the run
// is claimed (runs.ts claimRun: lease free or expired, dependencies ended): a job that finds the run
// held, ended or waiting for a dependency completes without doing anything.
//
// pg-boss 10 (the last major on Node 20) has no job heartbeat, so the lease + heartbeat on sync_runs
// stays ours. What stays hand-written is therefore only the part pg-boss cannot see: a run whose lease
// expired (its worker died) or a queued run nobody sent a job for (created by a process without a queue)
// is *re-dispatched as a job* by `redispatchOrphans` — it never executes anything itself.
import type PgBoss from 'pg-boss';
import type { Db } from '../store/db.js';
import { ensureQueue } from './queue.js';

export const RUN_QUEUE = 'sync-run';

export interface RunJob {
  tenantId: string;
  connectionId: string;
  stream: string;
}

/** pg-boss's ceiling for a job's expiry is 24 h. */
const MAX_EXPIRY_S = 23 * 3600;

export async function ensureRunQueue(boss: PgBoss): Promise<void> {
  await ensureQueue(boss, RUN_QUEUE, { policy: 'short' });
}

/**
 * Queues the job that executes the active run of (connection, stream). Job-level failures (the
 * handler threw: the database was unreachable, say) are retried by pg-boss with backoff; a run that
 * fails is not a job failure — its outcome is recorded on the run.
 */
export async function sendRunJob(boss: PgBoss, job: RunJob, deadlineAt: Date | null): Promise<string | null> {
  // The job must not expire before the run's own deadline: pg-boss would hand it to a second worker,
  // whose claim the first worker's live lease refuses anyway, but only after a pointless fetch.
  const untilDeadline = deadlineAt ? Math.ceil((deadlineAt.getTime() - Date.now()) / 1000) + 60 : MAX_EXPIRY_S;
  return boss.send(RUN_QUEUE, job, {
    singletonKey: `${job.connectionId}:${job.stream}`,
    retryLimit: 5,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: Math.min(MAX_EXPIRY_S, Math.max(60, untilDeadline)),
  });
}

interface OrphanRow {
  tenant_id: string;
  connection_id: string;
  stream: string;
  platform: string;
  deadline_at: Date | null;
}

/**
 * Active runs no worker is on: the lease expired (the holder died), or queued and unclaimed for
 * `staleQueuedMs` (created where no queue was running, or their job was lost). Queued runs whose
 * connection still has an active run of a stream they depend on are left out: the end of that run
 * dispatches them (`sendQueuedRunsOf`).
 */
export async function findOrphans(
  db: Db,
  staleQueuedMs: number,
  dependsOn: (platform: string, stream: string) => readonly string[],
  limit = 50,
): Promise<OrphanRow[]> {
  // A system query across tenants (like the schedule tick): it only reads which streams need a job.
  const { rows } = await db.query<OrphanRow & { active_streams: string[] }>(
    `SELECT r.tenant_id, r.connection_id, r.stream, c.platform, r.deadline_at,
            (SELECT coalesce(array_agg(o.stream), '{}') FROM sync_runs o
              WHERE o.connection_id = r.connection_id AND o.id <> r.id AND o.status IN ('queued','running')) AS active_streams
       FROM sync_runs r JOIN connections c ON c.id = r.connection_id
      WHERE r.status IN ('queued','running')
        AND ((r.lease_owner IS NOT NULL AND r.lease_expires_at < now())
          OR (r.lease_owner IS NULL AND r.created_at < now() - ($1::bigint * interval '1 millisecond')))
      ORDER BY r.created_at LIMIT $2`,
    [staleQueuedMs, limit],
  );
  return rows.filter((r) => !dependsOn(r.platform, r.stream).some((d) => r.active_streams.includes(d)));
}

/** Sends a job for every queued run of the connection: called when one of its runs ended. */
export async function queuedRunsOf(db: Db, tenantId: string, connectionId: string): Promise<{ stream: string; deadline_at: Date | null }[]> {
  const { rows } = await db.withTenant(tenantId, (tx) =>
    tx.query<{ stream: string; deadline_at: Date | null }>(`SELECT stream, deadline_at FROM sync_runs WHERE connection_id = $1 AND status = 'queued'`, [connectionId]),
  );
  return rows;
}
