// Field conflicts (DESIGN.md 5.6): the same field of a product changed from two origins within the
// tenant's conflict window. The merge (core/merge.ts) decides the value at once (ownership, else the
// last write) and reports the collision; it is kept here, open, until a person resolves it: keep the
// local value, take the remote one, or set a merged value. A resolution is a hub edit of that field
// (origin `hub`, pushed to the product's platforms like any edit).
import { SyncError } from '../core/errors.js';
import type { ProductField } from '../core/records.js';
import type { Queryable } from './db.js';
import { cursorTimestampSql, type Keyset, type Page, toPage } from './paging.js';

export interface ConflictSide {
  value: unknown;
  origin: string | null;
  at: string | null;
}

export interface ConflictView {
  id: string;
  productId: string;
  field: string;
  local: ConflictSide;
  remote: ConflictSide;
  status: 'open' | 'resolved';
  resolution: 'accept_local' | 'accept_remote' | 'merge' | null;
  resolvedValue: unknown;
  createdAt: string;
  resolvedAt: string | null;
}

/** A collision as the merge reports it. */
export interface NewConflict {
  field: ProductField;
  local: { value: unknown; origin: string; at: string };
  remote: { value: unknown; origin: string; at: string };
}

interface ConflictRow {
  id: string;
  product_id: string;
  field: string;
  local_value: unknown;
  remote_value: unknown;
  local_origin: string | null;
  remote_origin: string | null;
  local_at: Date | null;
  remote_at: Date | null;
  status: 'open' | 'resolved';
  resolution: ConflictView['resolution'];
  resolved_value: unknown;
  created_at: Date;
  resolved_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: ConflictRow): ConflictView {
  return {
    id: r.id,
    productId: r.product_id,
    field: r.field,
    local: { value: r.local_value, origin: r.local_origin, at: iso(r.local_at) },
    remote: { value: r.remote_value, origin: r.remote_origin, at: iso(r.remote_at) },
    status: r.status,
    resolution: r.resolution,
    resolvedValue: r.resolved_value,
    createdAt: r.created_at.toISOString(),
    resolvedAt: iso(r.resolved_at),
  };
}

/** Records collisions of one product (in the transaction that applied the change). */
export async function insertConflicts(tx: Queryable, tenantId: string, productId: string, conflicts: NewConflict[]): Promise<void> {
  if (conflicts.length === 0) return;
  await tx.query(
    `INSERT INTO conflicts (tenant_id, product_id, field, local_value, remote_value, local_origin, remote_origin, local_at, remote_at)
     SELECT $1, $2, c.field, c.local_value, c.remote_value, c.local_origin, c.remote_origin, c.local_at, c.remote_at
       FROM jsonb_to_recordset($3::jsonb) AS c(field text, local_value jsonb, remote_value jsonb, local_origin text, remote_origin text, local_at timestamptz, remote_at timestamptz)
      -- A collision already recorded (a redelivery, or its two edits met again in the other order) is kept once.
      WHERE NOT EXISTS (
        SELECT 1 FROM conflicts x
         WHERE x.tenant_id = $1 AND x.product_id = $2 AND x.field = c.field
           AND ((x.local_origin = c.local_origin AND x.local_at = c.local_at AND x.remote_origin = c.remote_origin AND x.remote_at = c.remote_at)
             OR (x.local_origin = c.remote_origin AND x.local_at = c.remote_at AND x.remote_origin = c.local_origin AND x.remote_at = c.local_at)))`,
    [
      tenantId,
      productId,
      JSON.stringify(
        conflicts.map((c) => ({
          field: c.field,
          // JSON null is a value ("known to be empty"); jsonb_to_recordset keeps it as jsonb 'null'.
          local_value: c.local.value === undefined ? null : c.local.value,
          remote_value: c.remote.value === undefined ? null : c.remote.value,
          local_origin: c.local.origin,
          remote_origin: c.remote.origin,
          local_at: c.local.at,
          remote_at: c.remote.at,
        })),
      ),
    ],
  );
}

export interface ConflictFilter {
  status?: 'open' | 'resolved';
  productId?: string;
}

export async function listConflicts(tx: Queryable, tenantId: string, opts: ConflictFilter & { limit: number; after?: Keyset | null }): Promise<Page<ConflictView>> {
  const params: unknown[] = [opts.limit + 1, tenantId];
  const where = ['tenant_id = $2'];
  if (opts.status) where.push(`status = $${params.push(opts.status)}`);
  if (opts.productId) where.push(`product_id = $${params.push(opts.productId)}`);
  if (opts.after) {
    params.push(opts.after.createdAt, opts.after.id);
    where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<ConflictRow & { cursor_ts: string }>(
    `SELECT *, ${cursorTimestampSql()} AS cursor_ts FROM conflicts WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $1`,
    params,
  );
  return toPage(rows, opts.limit, toView);
}

/** The conflict, locked for its resolution; not_found across tenants. */
export async function lockConflict(tx: Queryable, tenantId: string, id: string): Promise<ConflictView> {
  const { rows } = await tx.query<ConflictRow>('SELECT * FROM conflicts WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, id]);
  if (!rows[0]) throw new SyncError('not_found', `conflict ${id} not found`);
  return toView(rows[0]);
}

export async function getConflict(tx: Queryable, tenantId: string, id: string): Promise<ConflictView> {
  const { rows } = await tx.query<ConflictRow>('SELECT * FROM conflicts WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  if (!rows[0]) throw new SyncError('not_found', `conflict ${id} not found`);
  return toView(rows[0]);
}

export async function markResolved(tx: Queryable, tenantId: string, id: string, resolution: NonNullable<ConflictView['resolution']>, value: unknown): Promise<void> {
  await tx.query(
    `UPDATE conflicts SET status = 'resolved', resolution = $3, resolved_value = $4::jsonb, resolved_at = now() WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, resolution, JSON.stringify(value === undefined ? null : value)],
  );
}
