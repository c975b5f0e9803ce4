// The shared rate-limit buckets of migration 008: each request takes from its credential's row with one
// UPDATE ... RETURNING, which refills the row from its own timestamp by the database's clock, takes the cost
// only when enough is there, and otherwise says how long to wait. The row lock of that one statement is the
// whole of the coordination between processes: nothing is read first and written later, so no two processes
// can both spend the same tokens.
//
// clock_timestamp(), not now(): now() is the start of the transaction, and the time a statement waited for
// the row lock must count as refill. Each statement reads the clock inside the sub-select of its SET list.
// When another process updated the row meanwhile, PostgreSQL waits for it and computes the SET list again
// from the row that process wrote (READ COMMITTED's re-check), clock included: the refill and the decision
// are always made from the row as it is when this statement writes it.
import { stableStringify } from '../core/hash.js';
import type { SharedAdjust, SharedBucketSpec, SharedTake } from '../core/rate-limit.js';
import type { Queryable } from './db.js';

const MS = `interval '1 millisecond'`;
/** Milliseconds between two timestamptz values, as a double. */
const msBetween = (later: string, earlier: string) => `(extract(epoch FROM (${later}) - (${earlier})) * 1000)::float8`;

/**
 * The row's level and refill mark as of `c.now` (continuous: refilled up to now, or frozen until a pause's
 * end; fixed window: full again once the window has ended, a new window starting now). Needs `b` (the row)
 * and `c.now` in scope.
 */
const REFILL = `
  SELECT c.now,
         coalesce(b.paused_until > c.now, false) AS paused,
         CASE WHEN b.window_ms IS NULL THEN
                CASE WHEN c.now > b.refilled_at
                     THEN least(b.capacity, b.tokens + ${msBetween('c.now', 'b.refilled_at')} * b.rate_per_sec / 1000)
                     ELSE b.tokens END
              WHEN c.now >= b.refilled_at THEN b.capacity
              ELSE b.tokens END AS level,
         CASE WHEN b.window_ms IS NULL THEN greatest(b.refilled_at, c.now)
              WHEN c.now >= b.refilled_at THEN c.now + b.window_ms * ${MS}
              ELSE b.refilled_at END AS mark
    FROM (SELECT clock_timestamp() AS now) c`;

// $1 key, $2 bucket, $3 need, $4 cost. Granted: the level drops by the cost and last_wait_ms is 0.
// Refused: the refill is kept, nothing is taken, and last_wait_ms is when the need will be there (the pause's
// end, the window's end, or the time the rate takes to restore what is missing).
const TAKE = `
UPDATE rate_limit_buckets AS b
   SET (tokens, refilled_at, last_wait_ms) = (
         SELECT CASE WHEN s.ok THEN s.level - $4 ELSE s.level END, s.mark, CASE WHEN s.ok THEN 0 ELSE greatest(s.wait, 1) END
           FROM (SELECT r.level, r.mark,
                        (NOT r.paused AND r.level >= least($3::float8, b.capacity) - 1e-9) AS ok,
                        CASE WHEN r.paused THEN ${msBetween('b.paused_until', 'r.now')}
                             WHEN b.window_ms IS NOT NULL THEN ${msBetween('r.mark', 'r.now')}
                             ELSE greatest(${msBetween('r.mark', 'r.now')}, 0)
                                  + (least($3::float8, b.capacity) - r.level) * 1000 / b.rate_per_sec END AS wait
                   FROM (${REFILL}) r) s)
 WHERE b.credential_key = $1 AND b.bucket = $2
RETURNING b.last_wait_ms AS wait_ms, coalesce(b.paused_until > clock_timestamp(), false) AS paused`;

// $1 key, $2 bucket, $3 refund, $4 at most, $5 capacity, $6 rate, $7 window ends in ms, $8 window tolerance ms.
// A reported window end that is not the row's window starts that window with the platform's count alone; a
// lower figure is otherwise only taken over while no pause has frozen the level (the pause is then the
// platform's latest word, as in the in-process models).
const ADJUST = `
UPDATE rate_limit_buckets AS b
   SET (capacity, rate_per_sec, tokens, refilled_at) = (
         SELECT x.cap, x.rate,
                CASE WHEN x.new_window THEN least(x.cap, coalesce($4::float8, x.cap))
                     WHEN b.window_ms IS NULL AND r.mark > r.now THEN least(x.cap, r.level + coalesce($3::float8, 0))
                     ELSE least(x.cap, $4::float8, r.level + coalesce($3::float8, 0)) END,
                CASE WHEN x.reset_at IS NULL THEN r.mark ELSE x.reset_at END
           FROM (${REFILL}) r,
                LATERAL (SELECT coalesce($5::float8, b.capacity) AS cap, coalesce($6::float8, b.rate_per_sec) AS rate,
                                CASE WHEN b.window_ms IS NOT NULL AND $7::float8 IS NOT NULL THEN r.now + $7::float8 * ${MS} END AS reset_at) y,
                LATERAL (SELECT y.cap, y.rate, y.reset_at,
                                coalesce(abs(${msBetween('y.reset_at', 'r.mark')}) > coalesce($8::float8, 0), false) AS new_window) x)
 WHERE b.credential_key = $1 AND b.bucket = $2`;

// $1 key, $2 bucket, $3 pause length in ms, $4 level after the pause (NULL: the level is left alone).
const PAUSE = `
UPDATE rate_limit_buckets AS b
   SET (paused_until, tokens, refilled_at) = (
         SELECT greatest(b.paused_until, p.until),
                CASE WHEN $4::float8 IS NOT NULL AND p.extends THEN $4::float8 ELSE b.tokens END,
                CASE WHEN $4::float8 IS NOT NULL AND p.extends THEN p.until ELSE b.refilled_at END
           FROM (SELECT u.until, coalesce(u.until > b.paused_until, true) AS extends
                   FROM (SELECT clock_timestamp() + $3::float8 * ${MS} AS until) u) p)
 WHERE b.credential_key = $1 AND b.bucket = $2`;

// A new row starts full. An existing one keeps its state unless it was set up from another configuration.
const ENSURE = `
INSERT INTO rate_limit_buckets AS b (credential_key, bucket, capacity, rate_per_sec, window_ms, tokens, refilled_at, spec)
VALUES ($1, $2, $3, $4, $5, $3, clock_timestamp(), $6)
ON CONFLICT (credential_key, bucket) DO UPDATE
   SET capacity = excluded.capacity, rate_per_sec = excluded.rate_per_sec, window_ms = excluded.window_ms,
       tokens = least(b.tokens, excluded.capacity), spec = excluded.spec
 WHERE b.spec IS DISTINCT FROM excluded.spec`;

export interface TakeResult {
  /** 0: taken. Otherwise ms until the request may try again; nothing was taken. */
  waitMs: number;
  /** The wait is a platform pause (429 / THROTTLED), not pacing. */
  paused: boolean;
}

/** Creates the credential's bucket rows if missing (or set up from another configuration). */
export async function ensureBuckets(db: Queryable, key: string, specs: readonly SharedBucketSpec[]): Promise<void> {
  for (const spec of specs) {
    const windowMs = spec.windowMs ?? null;
    await db.query(ENSURE, [key, spec.name, spec.capacity, spec.ratePerSec, windowMs, stableStringify([spec.capacity, spec.ratePerSec, windowMs])]);
  }
}

/** One atomic take; throws when the row is missing (ensureBuckets first). */
export async function takeFromBucket(db: Queryable, key: string, take: SharedTake): Promise<TakeResult> {
  const { rows } = await db.query<{ wait_ms: number; paused: boolean }>(TAKE, [key, take.bucket, take.need, take.cost]);
  const row = rows[0];
  if (!row) throw new Error(`rate-limit bucket ${take.bucket} of this credential does not exist`);
  return { waitMs: row.wait_ms > 0 ? Math.ceil(row.wait_ms) : 0, paused: row.paused };
}

export async function adjustBucket(db: Queryable, key: string, a: SharedAdjust): Promise<void> {
  await db.query(ADJUST, [
    key, a.bucket, a.refund ?? null, a.atMost ?? null, a.capacity ?? null, a.ratePerSec ?? null, a.windowEndsInMs ?? null, a.windowToleranceMs ?? null,
  ]);
}

/** The platform said wait `ms`: nothing is taken from the bucket before then, by any process. */
export async function pauseBucket(db: Queryable, key: string, bucket: string, ms: number, levelAfterPause: number | undefined): Promise<void> {
  await db.query(PAUSE, [key, bucket, Math.max(0, ms), levelAfterPause ?? null]);
}
