// Resolving a field conflict: keep the local value (`accept_local`), take the remote one
// (`accept_remote`), or set a value of one's own (`merge`). The chosen value is written as a hub edit
// of the field (updateHubProductIn: origin `hub`, the product's version bumped, audit line), in the
// same transaction that marks the conflict resolved; the caller pushes the product afterwards.
import { z } from 'zod';
import { SyncError } from '../core/errors.js';
import type { ProductField } from '../core/records.js';
import type { Db, Queryable } from './db.js';
import { type ConflictView, lockConflict, markResolved } from './conflicts.js';
import { ProductPatchInput, updateHubProductIn } from './hub-writes-products.js';

export const Resolution = z.enum(['accept_local', 'accept_remote', 'merge']);
export type Resolution = z.infer<typeof Resolution>;

async function productVersion(tx: Queryable, tenantId: string, productId: string): Promise<number> {
  const { rows } = await tx.query<{ version: string }>('SELECT version FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE', [tenantId, productId]);
  if (!rows[0]) throw new SyncError('not_found', `the product of this conflict (${productId}) no longer exists`);
  return Number(rows[0].version);
}

export async function resolveConflict(db: Db, tenantId: string, id: string, resolution: Resolution, value?: unknown): Promise<ConflictView> {
  return db.withTenant(tenantId, async (tx) => {
    const conflict = await lockConflict(tx, tenantId, id);
    if (conflict.status !== 'open') throw new SyncError('conflict', `conflict ${id} is already resolved (${conflict.resolution})`, { details: { conflict } });
    if (resolution === 'merge' && value === undefined) throw new SyncError('validation_failed', 'a merge resolution needs `value`: the field value to keep');
    if (resolution !== 'merge' && value !== undefined) throw new SyncError('validation_failed', '`value` is only taken with resolution "merge"');
    const chosen = resolution === 'merge' ? value : resolution === 'accept_local' ? conflict.local.value : conflict.remote.value;
    // The value goes through the same field rules as any hub edit (a merged price must be money, ...).
    const patch = ProductPatchInput.safeParse({ [conflict.field]: chosen });
    if (!patch.success) {
      const issues = patch.error.issues.map((i) => `${i.path.join('.') || conflict.field}: ${i.message}`);
      throw new SyncError('validation_failed', `value is not a valid ${conflict.field}: ${issues.join('; ')}`, { details: { issues } });
    }
    await updateHubProductIn(tx, tenantId, conflict.productId, patch.data, await productVersion(tx, tenantId, conflict.productId));
    await markResolved(tx, tenantId, id, resolution, chosen);
    // The product leaves CONFLICT once no conflict of it is open: pending a push to its platforms, or
    // in sync when it has none.
    await tx.query(
      `UPDATE products p
          SET sync_status = CASE WHEN EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = p.tenant_id AND l.entity = 'product' AND l.hub_id = p.id AND l.deleted_at IS NULL)
                                 THEN 'PENDING' ELSE 'SYNCED' END
        WHERE p.tenant_id = $1 AND p.id = $2 AND p.sync_status = 'CONFLICT'
          AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.tenant_id = p.tenant_id AND c.product_id = p.id AND c.status = 'open')`,
      [tenantId, conflict.productId],
    );
    return { ...conflict, status: 'resolved', resolution, resolvedValue: chosen, resolvedAt: new Date().toISOString(), field: conflict.field as ProductField };
  });
}
