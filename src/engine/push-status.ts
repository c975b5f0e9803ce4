// Where a product's pushes stand, per target (GET /products/:id/queue-status): the target's job in the
// queue (push-jobs.ts), when the link last got a push, and the open dead letter of a push that failed.
import { pushJobsOf, pushKey, type PushJobState } from './push-jobs.js';
import type { ContextDeps } from './run-context.js';

export interface PushTargetStatus {
  connectionId: string;
  platform: string;
  connectionName: string;
  externalId: string;
  parentExternalId: string | null;
  /**
   * idle: nothing queued; queued: waiting (debounce); active: being pushed; retrying: an attempt failed
   * and the next waits; failed: no job, and the last push became a dead letter.
   */
  state: 'idle' | 'queued' | 'active' | 'retrying' | 'failed';
  /** The attempt under way or next (1 = the first); null when idle or failed. */
  attempt: number | null;
  /** When the queued job may run; null when none waits. */
  nextRunAt: string | null;
  /** When a push of the link was last asked for and not yet sent; null when none is pending. */
  requestedAt: string | null;
  lastPushedAt: string | null;
  /** The open dead letter of a failed push, or the reason of the failed attempt a retry waits after. */
  lastError: { message: string; code: string | null; at: string | null } | null;
}

interface LinkRow {
  connection_id: string;
  platform: string;
  name: string;
  external_id: string;
  parent_external_id: string | null;
  push_requested_at: Date | null;
  last_pushed_at: Date | null;
  dl_reason: string | null;
  dl_code: string | null;
  dl_at: Date | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function stateOf(jobs: PushJobState[], link: LinkRow): Pick<PushTargetStatus, 'state' | 'attempt' | 'nextRunAt' | 'lastError'> {
  const active = jobs.find((j) => j.state === 'active');
  const waiting = jobs.find((j) => j.state !== 'active');
  const dl = link.dl_reason ? { message: link.dl_reason, code: link.dl_code, at: iso(link.dl_at) } : null;
  if (active) return { state: 'active', attempt: active.data.attempt, nextRunAt: iso(waiting?.startAfter), lastError: dl };
  if (waiting) {
    const retrying = waiting.state === 'retry' || waiting.data.attempt > 1;
    const last = waiting.data.lastError ? { message: waiting.data.lastError.message, code: waiting.data.lastError.code, at: null } : dl;
    return { state: retrying ? 'retrying' : 'queued', attempt: waiting.data.attempt, nextRunAt: iso(waiting.startAfter), lastError: last };
  }
  return { state: dl ? 'failed' : 'idle', attempt: null, nextRunAt: null, lastError: dl };
}

/** The product's push targets and their state; null when the tenant has no such live product. */
export async function pushStatusOf(deps: Pick<ContextDeps, 'db'>, tenantId: string, productId: string, platforms: string[]): Promise<PushTargetStatus[] | null> {
  const links = await deps.db.withTenant(tenantId, async (tx) => {
    const exists = await tx.query('SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, productId]);
    if (exists.rows.length === 0) return null;
    const { rows } = await tx.query<LinkRow>(
      `SELECT l.connection_id, c.platform, c.name, l.external_id, l.parent_external_id, l.push_requested_at, l.last_pushed_at,
              dl.reason AS dl_reason, dl.error_code AS dl_code, dl.created_at AS dl_at
         FROM links l JOIN connections c ON c.tenant_id = l.tenant_id AND c.id = l.connection_id
         LEFT JOIN LATERAL (SELECT d.reason, d.error_code, d.created_at FROM dead_letters d
                             WHERE d.tenant_id = l.tenant_id AND d.connection_id = l.connection_id AND d.external_id = l.external_id
                               AND d.kind = 'push' AND d.status = 'open' ORDER BY d.created_at DESC, d.id DESC LIMIT 1) dl ON true
        WHERE l.tenant_id = $1 AND l.entity = 'product' AND l.hub_id = $2 AND l.deleted_at IS NULL AND c.platform = ANY($3::text[])
        ORDER BY l.created_at, l.id`,
      [tenantId, productId, platforms],
    );
    return rows;
  });
  if (!links) return null;
  const keyOf = (l: LinkRow) => pushKey({ connectionId: l.connection_id, parentExternalId: l.parent_external_id, externalId: l.external_id });
  // pg-boss's job table is read as the owner: it is not a tenant table (rows are filtered by the job's tenant).
  const jobs = await pushJobsOf(deps.db, tenantId, [...new Set(links.map(keyOf))]);
  return links.map((l) => ({
    connectionId: l.connection_id,
    platform: l.platform,
    connectionName: l.name,
    externalId: l.external_id,
    parentExternalId: l.parent_external_id,
    requestedAt: iso(l.push_requested_at),
    lastPushedAt: iso(l.last_pushed_at),
    ...stateOf(jobs.filter((j) => j.key === keyOf(l)), l),
  }));
}
