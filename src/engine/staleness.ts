// DB-first reads (DESIGN.md 5.2): hub data is always served from the database; when the stream's
// last successful sync is older than the allowed age (or there is none), a background refresh is
// triggered through the engine — single-flight and the minimum interval apply, so a thousand
// readers cause at most one run, and a refresh that just failed is not retried before the interval.
import type { Engine } from './engine.js';
import { loadCheckpoint } from './checkpoints.js';

export interface Freshness {
  stale: boolean;
  lastSuccessAt: string | null;
  /** The refresh run (new or already active), when one is under way. */
  refreshRunId: string | null;
  /** Set when the refresh was refused by the throttle. */
  retryAfterMs?: number;
}

export async function ensureFresh(
  engine: Engine,
  req: { tenantId: string; connectionId: string; stream: string; maxAgeMs: number; mode?: 'full' | 'incremental' },
  /** The stream's last success as the caller just read it (saves reading it again). */
  known?: { lastSuccessAt: Date | null },
): Promise<Freshness> {
  const cp = known ?? (await engine.db.withTenant(req.tenantId, (tx) => loadCheckpoint(tx, req.tenantId, req.connectionId, req.stream)));
  const lastSuccessAt = cp.lastSuccessAt ? cp.lastSuccessAt.toISOString() : null;
  if (cp.lastSuccessAt && Date.now() - cp.lastSuccessAt.getTime() < req.maxAgeMs) {
    return { stale: false, lastSuccessAt, refreshRunId: null };
  }
  const r = await engine.trigger({ tenantId: req.tenantId, connectionId: req.connectionId, streams: [req.stream], mode: req.mode, trigger: 'staleness' });
  const run = r.created[0] ?? r.active[0];
  return { stale: true, lastSuccessAt, refreshRunId: run?.id ?? null, ...(r.throttled[0] ? { retryAfterMs: r.throttled[0].retryAfterMs } : {}) };
}
