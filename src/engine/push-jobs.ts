// The pg-boss side of the product push outbox (product-pushes.ts): the `product-push` queue, its jobs,
// and the few reads and updates of pg-boss's job table that pg-boss 10 has no API for (finding the job
// of a key, hurrying a queued one, telling whether another worker holds the key).
//
// A job names a push *target*: one connection and the platform's parent product whose variants it
// pushes (Shopify's productSet replaces the whole variant list, so a push always carries the whole
// group), or one SKU where the platform has no parent (eMAG offers). Its singletonKey is that target and
// the queue's `short` policy keeps at most one job *queued* per key, so while one waits (the debounce),
// any number of further edits of the product — or of its sibling variants — add nothing: the job reads
// the hub when it runs and sends the latest state once. One more may be queued beside an active one,
// which carries what changed while the first was sending.
import type PgBoss from 'pg-boss';
import type { Queryable } from '../store/db.js';
import { ensureQueue, QUEUE_SCHEMA } from './queue.js';

export const PRODUCT_PUSH_QUEUE = 'product-push';

export interface PushJob {
  tenantId: string;
  connectionId: string;
  /** The platform's parent product the group is pushed under; null: the SKU `externalId` alone. */
  parentExternalId: string | null;
  /** A SKU of the group (the one whose change queued the job). */
  externalId: string;
  /** The hub product whose change queued the job (logs). */
  productId: string;
  /** 1 for the first attempt; a retry is a new job with the next number. */
  attempt: number;
  /** Why the previous attempt failed (queue-status shows it while the retry waits). */
  lastError?: { code: string; message: string };
}

/** The target a job pushes: unique per connection and platform product (or SKU). */
export function pushKey(j: { connectionId: string; parentExternalId: string | null; externalId: string }): string {
  return j.parentExternalId ? `${j.connectionId}:p:${j.parentExternalId}` : `${j.connectionId}:s:${j.externalId}`;
}

export async function ensurePushQueue(boss: PgBoss): Promise<void> {
  await ensureQueue(boss, PRODUCT_PUSH_QUEUE, { policy: 'short' });
}

export interface SendOptions {
  /** Wait before the job may run (the debounce, or a retry's backoff). */
  delayMs: number;
  /** pg-boss priority: higher runs first. */
  priority: number;
}

function jobOptions(job: PushJob, o: SendOptions): PgBoss.SendOptions {
  return {
    singletonKey: pushKey(job),
    // Seconds: pg-boss adds them to now() on the database clock, fractions included.
    ...(o.delayMs > 0 ? { startAfter: o.delayMs / 1000 } : {}),
    priority: o.priority,
    // Failures of the handler itself (the database unreachable); a refused push is handled in it.
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    // A push is one or two platform calls under the request timeout; a worker that died holding one
    // releases the key after this.
    expireInSeconds: 300,
  };
}

/** Queues one push; false when a job of its key was already queued (it carries this change too). */
export async function sendPushJob(boss: PgBoss, job: PushJob, o: SendOptions): Promise<boolean> {
  return (await boss.send(PRODUCT_PUSH_QUEUE, job, jobOptions(job, o))) !== null;
}

/** Queues many pushes in one statement (a full sync); keys already queued are skipped by the queue. */
export async function insertPushJobs(boss: PgBoss, jobs: PushJob[], o: SendOptions): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    jobs.map((data) => {
      const { startAfter, ...opts } = jobOptions(data, o);
      // insert() takes the delay as interval text.
      return { name: PRODUCT_PUSH_QUEUE, data, ...opts, ...(startAfter !== undefined ? { startAfter: String(startAfter) } : {}) };
    }),
  );
}

const JOB = `${QUEUE_SCHEMA}.job`;

/**
 * The queued job of `key` runs no later than `delayMs` from now and with at least `priority`: a push
 * asked for now (POST /products/:id/sync) must not wait for the debounce of an edit queued before it.
 */
export async function hurryPushJob(db: Queryable, key: string, o: SendOptions): Promise<void> {
  await db.query(
    `UPDATE ${JOB} SET start_after = least(start_after, now() + $3::float8 * interval '1 millisecond'), priority = greatest(priority, $4)
      WHERE name = $1 AND singleton_key = $2 AND state = 'created'`,
    [PRODUCT_PUSH_QUEUE, key, o.delayMs, o.priority],
  );
}

/**
 * Whether another job of the key is being worked on (by any process). pg-boss marks a job active when
 * it is fetched, before its handler runs, so of two jobs of one key fetched together each sees the
 * other: both step back, and the one job they re-queue does the push alone. Never two at once.
 */
export async function otherPushActive(db: Queryable, key: string, jobId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM ${JOB} WHERE name = $1 AND singleton_key = $2 AND state = 'active' AND id <> $3::uuid LIMIT 1`, [
    PRODUCT_PUSH_QUEUE,
    key,
    jobId,
  ]);
  return rows.length > 0;
}

export interface PushJobState {
  key: string;
  /** pg-boss's state: created (queued, or a retry waiting), retry (a handler failure), active. */
  state: 'created' | 'retry' | 'active';
  priority: number;
  startAfter: Date;
  startedOn: Date | null;
  /** pg-boss's own retries of a failed handler. */
  retryCount: number;
  data: PushJob;
}

/** The unfinished jobs of the tenant's keys, oldest first. */
export async function pushJobsOf(db: Queryable, tenantId: string, keys: string[]): Promise<PushJobState[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<{ key: string; state: PushJobState['state']; priority: number; start_after: Date; started_on: Date | null; retry_count: number; data: PushJob }>(
    `SELECT singleton_key AS key, state, priority, start_after, started_on, retry_count, data FROM ${JOB}
      WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state IN ('created', 'retry', 'active') AND data->>'tenantId' = $3
      ORDER BY created_on, id`,
    [PRODUCT_PUSH_QUEUE, keys, tenantId],
  );
  return rows.map((r) => ({ key: r.key, state: r.state, priority: r.priority, startAfter: r.start_after, startedOn: r.started_on, retryCount: r.retry_count, data: r.data }));
}

/** Of these keys, those with an unfinished job (queued, waiting for a retry, or running). */
export async function queuedPushKeys(db: Queryable, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<{ key: string }>(
    `SELECT DISTINCT singleton_key AS key FROM ${JOB} WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state IN ('created', 'retry', 'active')`,
    [PRODUCT_PUSH_QUEUE, keys],
  );
  return rows.map((r) => r.key);
}
