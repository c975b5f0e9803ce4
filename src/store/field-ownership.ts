// A tenant's merge policy: its field-ownership overrides (tenant_settings.field_ownership, validated by
// core/ownership.ts when written) and its conflict window. Read by every product merge (the engine's
// apply path and hub edits) and by GET/PUT /api/v1/field-ownership.
import { SyncError } from '../core/errors.js';
import { DEFAULT_OWNERSHIP, type Ownership, resolveOwnership } from '../core/ownership.js';
import type { Queryable } from './db.js';

export const DEFAULT_CONFLICT_WINDOW_SECONDS = 300;

export interface MergePolicy {
  ownership: Ownership;
  windowMs: number;
  /** The stored overrides, as written. */
  overrides: Record<string, unknown>;
  conflictWindowSeconds: number;
}

export async function loadMergePolicy(tx: Queryable, tenantId: string): Promise<MergePolicy> {
  const { rows } = await tx.query<{ field_ownership: Record<string, unknown>; conflict_window_seconds: number }>(
    'SELECT field_ownership, conflict_window_seconds FROM tenant_settings WHERE tenant_id = $1',
    [tenantId],
  );
  const overrides = rows[0]?.field_ownership ?? {};
  const seconds = rows[0]?.conflict_window_seconds ?? DEFAULT_CONFLICT_WINDOW_SECONDS;
  const resolved = resolveOwnership(overrides);
  // Stored overrides were validated when written; a document a later version no longer accepts (a
  // field renamed) falls back to the defaults rather than stopping every pull of the tenant.
  return { ownership: resolved.ok ? resolved.ownership : DEFAULT_OWNERSHIP, windowMs: seconds * 1000, overrides, conflictWindowSeconds: seconds };
}

/** Replaces the tenant's overrides (and, when given, its conflict window); refuses an invalid document with every issue. */
export async function saveMergePolicy(tx: Queryable, tenantId: string, overrides: unknown, conflictWindowSeconds?: number): Promise<MergePolicy> {
  const resolved = resolveOwnership(overrides);
  if (!resolved.ok) throw new SyncError('validation_failed', `invalid field ownership: ${resolved.issues.join('; ')}`, { details: { issues: resolved.issues } });
  await tx.query(
    `INSERT INTO tenant_settings (tenant_id, field_ownership, conflict_window_seconds) VALUES ($1, $2::jsonb, coalesce($3::int, ${DEFAULT_CONFLICT_WINDOW_SECONDS}))
     ON CONFLICT (tenant_id) DO UPDATE
        SET field_ownership = EXCLUDED.field_ownership,
            conflict_window_seconds = coalesce($3::int, tenant_settings.conflict_window_seconds), updated_at = now()`,
    [tenantId, JSON.stringify(overrides ?? {}), conflictWindowSeconds ?? null],
  );
  return loadMergePolicy(tx, tenantId);
}
