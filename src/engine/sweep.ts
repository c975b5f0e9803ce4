// Mark-and-sweep deletes after a successful full pass (lessons.md 7): links of this connection and
// entity not seen during the pass are soft-deleted, and so are hub records no live link points to.
// Guards: nothing happens unless the pass saw rows, and nothing happens when the sweep would remove
// more than `maxDeleteRatio` of the live rows — a truncated listing must not wipe the hub.
import type { Entity } from '../core/records.js';
import type { Queryable } from '../store/db.js';

const HUB_TABLE: Partial<Record<Entity, string>> = {
  product: 'products',
  customer: 'customers',
  order: 'orders',
  catalog_item: 'catalog_items',
  // Fulfilments stay: an outbound the fulfiller no longer lists is history, not a deletion.
  // Stock levels are never swept: a missing feed row must not zero stock.
};

export interface SweepResult {
  deleted: number;
  skipped?: string;
}

export async function sweepUnseen(
  tx: Queryable,
  key: { tenantId: string; connectionId: string; entity: Entity; passId: string },
  maxDeleteRatio = 0.5,
): Promise<SweepResult> {
  const table = HUB_TABLE[key.entity];
  if (!table) return { deleted: 0, skipped: `${key.entity} is never swept` };
  const { rows } = await tx.query<{ live: number; unseen: number }>(
    `SELECT count(*)::int AS live, count(*) FILTER (WHERE last_seen_run_id IS DISTINCT FROM $4)::int AS unseen
       FROM links WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND deleted_at IS NULL`,
    [key.tenantId, key.connectionId, key.entity, key.passId],
  );
  const { live, unseen } = rows[0]!;
  if (unseen === 0) return { deleted: 0 };
  if (live === unseen) return { deleted: 0, skipped: 'the pass saw none of the known rows; nothing deleted' };
  if (unseen / live > maxDeleteRatio) {
    return { deleted: 0, skipped: `${unseen} of ${live} rows would be deleted (over ${Math.round(maxDeleteRatio * 100)}%); nothing deleted` };
  }
  const { rows: gone } = await tx.query<{ hub_id: string }>(
    `UPDATE links SET deleted_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND deleted_at IS NULL AND last_seen_run_id IS DISTINCT FROM $4
      RETURNING hub_id`,
    [key.tenantId, key.connectionId, key.entity, key.passId],
  );
  const hubIds = gone.map((g) => g.hub_id);
  await tx.query(
    // A product's version moves with every write to it (a hub edit based on it must be re-read).
    `UPDATE ${table} h SET deleted_at = now()${table === 'products' ? ', version = h.version + 1' : ''}
      WHERE h.tenant_id = $1 AND h.id = ANY($2::uuid[]) AND h.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = $1 AND l.hub_id = h.id AND l.deleted_at IS NULL)`,
    [key.tenantId, hubIds],
  );
  await tx.query(
    `INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action)
     SELECT $1, $2, unnest($3::uuid[]), $4, 'pull', 'sweep', 'delete'`,
    [key.tenantId, key.entity, hubIds, key.connectionId],
  );
  return { deleted: hubIds.length };
}
