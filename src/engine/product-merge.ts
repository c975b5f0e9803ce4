// Product records of a pull or webhook page through the one merge (core/merge.ts), instead of a
// whole-row `data || incoming`: per field, only what the origin may write is applied (the tenant's
// ownership), a stale delivery changes nothing, and two origins changing a field within the conflict
// window leave a conflict row. The page's transaction locks the hub rows it merges into (in id order,
// so two pages never wait on each other in a cycle), so concurrent pages of two connections cannot
// lose each other's fields.
//
// A record that creates a hub product brings all its fields: there is no value of an owner to protect
// yet. Such values carry their origin in field_meta; when the origin may not write the field (an eMAG
// offer's price), the merge lets the first writer's value replace it (core/merge.ts, rule 1).
import { conflictKey, type FieldConflict, type FieldMeta, type HubProductState, hubState, merge, sameValue } from '../core/merge.js';
import { isProductField, type Origin } from '../core/ownership.js';
import type { ProductField, ProductRecord } from '../core/records.js';
import type { Queryable } from '../store/db.js';
import { insertConflicts } from '../store/conflicts.js';
import { loadMergePolicy } from '../store/field-ownership.js';
import type { HubWrite } from './hub-writes.js';

export interface MergedWrite {
  /** The fields to write (`data || patch`): what the merge applied, plus the record's non-field data (group, ...). */
  data: Record<string, unknown>;
  /** field_meta entries that moved. */
  fieldMeta: Record<string, FieldMeta>;
  /** Per applied field, the value before and after: the audit line's `changes`. */
  changes: Record<string, { old: unknown; new: unknown }>;
  applied: ProductField[];
}

export interface PageMerge {
  /** One per write, in order; a hub row written by several records of the page carries all their patches on its last write. */
  writes: MergedWrite[];
  /** Hub products whose fields changed: pushed to their other platforms. */
  changed: Set<string>;
  /** Hub products a record tried to change in fields its origin may not write: the hub value is pushed back to the origin. */
  reassert: Set<string>;
}

interface Ctx {
  tenantId: string;
  connectionId: string;
  origin: string;
  runId?: string | null;
}

export const productFieldsOf = (r: ProductRecord): Partial<Record<ProductField, unknown>> =>
  Object.fromEntries(Object.entries(r).filter(([k, v]) => isProductField(k) && v !== undefined)) as Partial<Record<ProductField, unknown>>;

/** The record's hub data that is not a product field (the group, a catalog variant id): written as it comes. */
function otherData(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([k]) => !isProductField(k)));
}

/**
 * Merges each product write of a page into its hub product. `minted`: hub ids the page creates.
 * `data(w)`: the record's hub data (hub-writes.ts productData). Conflicts and refusals are recorded here.
 */
export async function mergeProductWrites(
  tx: Queryable,
  ctx: Ctx,
  writes: HubWrite<ProductRecord>[],
  minted: ReadonlySet<string>,
  dataOf: (w: HubWrite<ProductRecord>) => Record<string, unknown>,
): Promise<PageMerge> {
  const policy = await loadMergePolicy(tx, ctx.tenantId);
  const known = [...new Set(writes.map((w) => w.hubId!).filter((id) => !minted.has(id)))].sort();
  const states = new Map<string, HubProductState>();
  if (known.length > 0) {
    const { rows } = await tx.query<{ id: string; data: Record<string, unknown>; field_meta: Record<string, FieldMeta> }>(
      'SELECT id, data, field_meta FROM products WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE',
      [ctx.tenantId, known],
    );
    for (const r of rows) states.set(r.id, hubState(r.data, r.field_meta));
  }
  const now = new Date().toISOString();
  const patches = new Map<string, { data: Record<string, unknown>; meta: Record<string, FieldMeta> }>();
  const conflicts = new Map<string, Map<string, FieldConflict>>();
  const refusals: { hubId: string; changes: Record<string, { hub: unknown; incoming: unknown }> }[] = [];
  const echoes: { hubId: string; fields: string[] }[] = [];
  const page: PageMerge = { writes: [], changed: new Set(), reassert: new Set() };

  for (const w of writes) {
    const hubId = w.hubId!;
    const fields = productFieldsOf(w.record);
    if (w.echoOf) {
      for (const f of w.echoOf) delete fields[f as ProductField];
      echoes.push({ hubId, fields: [...w.echoOf] });
    }
    const at = w.record.remoteUpdatedAt ?? now;
    const before = states.get(hubId);
    const patch = patches.get(hubId) ?? { data: {}, meta: {} };
    patches.set(hubId, patch);
    Object.assign(patch.data, otherData(dataOf(w)));
    const merged: MergedWrite = { data: patch.data, fieldMeta: patch.meta, changes: {}, applied: [] };

    if (!before) {
      // A new hub product (or a link to a row that is gone): the record's fields as they are.
      const state: HubProductState = { data: { ...fields }, fieldMeta: {} };
      for (const f of Object.keys(fields) as ProductField[]) {
        state.fieldMeta[f] = { origin: ctx.origin, at: new Date(Date.parse(at) || Date.now()).toISOString() };
        patch.data[f] = fields[f];
        patch.meta[f] = state.fieldMeta[f]!;
        merged.changes[f] = { old: null, new: fields[f] };
      }
      merged.applied = Object.keys(fields) as ProductField[];
      states.set(hubId, state);
    } else {
      // Fields the platform did not change since the link's last read are no edit of its (apply.ts): the
      // record's timestamp must not re-date them (an echo of a push that does not write them, a parent's save).
      for (const f of w.unchangedFields ?? []) delete fields[f as ProductField];
      const res = merge(before, { origin: ctx.origin as Origin, fields, at }, policy.ownership, { windowMs: policy.windowMs });
      for (const f of res.applied) {
        patch.data[f] = res.state.data[f];
        merged.changes[f] = { old: before.data[f] ?? null, new: res.state.data[f] };
      }
      for (const f of [...res.applied, ...res.unchanged]) {
        const m = res.state.fieldMeta[f];
        if (m && (m.origin !== before.fieldMeta[f]?.origin || m.at !== before.fieldMeta[f]?.at)) patch.meta[f] = m;
      }
      merged.applied = res.applied;
      if (res.applied.length > 0) page.changed.add(hubId);
      const differing = res.refused.filter((f) => !sameValue(f, before.data[f] ?? null, fields[f] ?? null));
      if (differing.length > 0) refusals.push({ hubId, changes: Object.fromEntries(differing.map((f) => [f, { hub: before.data[f] ?? null, incoming: fields[f] }])) });
      if (res.conflicts.length > 0) {
        const mine = conflicts.get(hubId) ?? new Map<string, FieldConflict>();
        for (const c of res.conflicts) mine.set(conflictKey(c), c);
        conflicts.set(hubId, mine);
      }
      states.set(hubId, res.state);
    }
    page.writes.push(merged);
  }

  for (const r of refusals) if (await firstRefusal(tx, ctx, r)) page.reassert.add(r.hubId);
  for (const [hubId, found] of conflicts) await insertConflicts(tx, ctx.tenantId, hubId, [...found.values()]);
  if (page.reassert.size > 0) {
    // The platform no longer holds what we last pushed to it: forget that hash, so the re-assertion is
    // sent (an unchanged hub product is otherwise not pushed again) and an old echo is not mistaken.
    await tx.query(
      `UPDATE links SET last_pushed_hash = NULL WHERE tenant_id = $1 AND connection_id = $2 AND entity = 'product' AND hub_id = ANY($3::uuid[])`,
      [ctx.tenantId, ctx.connectionId, [...page.reassert]],
    );
  }
  await logMergeOutcomes(tx, ctx, refusals, conflicts, echoes);
  return page;
}

/**
 * Whether this refusal is new: the same refused values from the same connection within the last hour are
 * not re-asserted again. A platform that rewrites a value in a way the normalisation does not know (or a
 * merchant insisting) would otherwise ping-pong with the hub; the refusal stays in the audit log.
 */
async function firstRefusal(tx: Queryable, ctx: Ctx, r: { hubId: string; changes: Record<string, unknown> }): Promise<boolean> {
  const { rows } = await tx.query(
    `SELECT 1 FROM sync_log
      WHERE tenant_id = $1 AND entity = 'product' AND hub_id = $2 AND connection_id = $3 AND action = 'refused'
        AND changes = $4::jsonb AND created_at > now() - interval '1 hour' LIMIT 1`,
    [ctx.tenantId, r.hubId, ctx.connectionId, JSON.stringify(r.changes)],
  );
  return rows.length === 0;
}

/** Audit lines: an echo of our push, a refused change (the origin may not write those fields) and each conflict, with both values. */
async function logMergeOutcomes(
  tx: Queryable,
  ctx: Ctx,
  refusals: { hubId: string; changes: Record<string, unknown> }[],
  conflicts: Map<string, Map<string, FieldConflict>>,
  echoes: { hubId: string; fields: string[] }[],
): Promise<void> {
  const lines = [
    ...echoes.map((e) => ({ hub_id: e.hubId, direction: 'pull', action: 'echo', changes: { fields: e.fields } })),
    ...refusals.map((r) => ({ hub_id: r.hubId, direction: 'pull', action: 'refused', changes: r.changes })),
    ...[...conflicts].flatMap(([hubId, found]) =>
      [...found.values()].map((c) => ({ hub_id: hubId, direction: 'conflict', action: 'conflict', changes: { [c.field]: { local: c.local, remote: c.remote, winner: c.winner } } })),
    ),
  ];
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, run_id, direction, origin, action, changes)
     SELECT $1, 'product', l.hub_id, $2, $3, l.direction, $4, l.action, l.changes
       FROM jsonb_to_recordset($5::jsonb) AS l(hub_id uuid, direction text, action text, changes jsonb)`,
    [ctx.tenantId, ctx.connectionId, ctx.runId ?? null, ctx.origin, JSON.stringify(lines)],
  );
}
