// One push of the outbox (product-pushes.ts): the hub's state of one target — every SKU the hub links
// under one platform product on one connection — sent through the connector's push.upsertProduct.
//
// - The whole group, always: Shopify's productSet is declarative and deletes the variants its input
//   leaves out (platforms/shopify.md, the sandbox's setProduct), so a push of one edited variant carries
//   all its siblings the hub knows, soft-deleted ones included (deletes are not pushed). A variant the
//   shop has and the hub has not read yet is the connector's to protect (push_would_delete).
// - Built from the hub when the job runs, so a burst of edits is sent once with the latest state.
//   Product-level fields (description, vendor, tags, ...) are stored per SKU; the SKU that set a field
//   last (field_meta.at) gives the group's value.
// - Skipped when nothing changed: each SKU's push hash (core/push-hash.ts, over the connector's
//   productFields as the platform will read them back) equals its link's last_pushed_hash.
// - On success, one transaction: hashes, last_pushed_at and platform ids on the links, the requests the
//   push answered cleared (push_requested_at up to the moment the hub was read), sync_log lines for the
//   SKUs that changed, the target's open push dead letters resolved, and the products SYNCED that have
//   no link still waiting for a push. The products are locked first: two targets finishing at once
//   decide in turn, so the later one sees the other's cleared request.
import type { ProductPush, ProductPushResult } from '../connectors/types.js';
import { isSyncError, SyncError } from '../core/errors.js';
import { PRODUCT_FIELDS } from '../core/ownership.js';
import { pushedFields, pushHashOf } from '../core/push-hash.js';
import type { ProductField } from '../core/records.js';
import { RetryBudget } from '../core/retry-budget.js';
import type { Queryable } from '../store/db.js';
import { pushKey, type PushJob } from './push-jobs.js';
import { planStockPush, recordStockPushed, setPushingStock, type StockSend, stockProblemsError } from './stock-push.js';
import { buildCtx, type ContextDeps, loadConnectionForSync } from './run-context.js';

interface Member {
  link_id: string;
  hub_id: string;
  external_id: string;
  parent_external_id: string | null;
  last_pushed_hash: string | null;
  /** When a push of this SKU was first asked for and not answered yet (null: none waiting). */
  push_requested_at: Date | null;
  sku: string | null;
  name: string | null;
  group_title: string | null;
  data: Record<string, unknown>;
  field_meta: Record<string, { at?: string } | undefined>;
}

export interface LoadedGroup {
  /** The database's clock when the hub was read: requests up to it are answered by this push. */
  readAt: Date;
  /** performance.now() when it was read: readAt on the process clock, for the push latency. */
  readMark: number;
  members: Member[];
}

/** The SKUs the hub links under the job's target, in the order they were linked (the platform's order). */
export async function loadGroup(tx: Queryable, job: PushJob): Promise<LoadedGroup> {
  const at = await tx.query<{ at: Date }>('SELECT now() AS at');
  const { rows } = await tx.query<Member>(
    `SELECT l.id AS link_id, l.hub_id, l.external_id, l.parent_external_id, l.last_pushed_hash, l.push_requested_at,
            coalesce(p.data->>'sku', p.sku) AS sku, p.name, p.group_title, p.data, p.field_meta
       FROM links l JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.hub_id
      WHERE l.tenant_id = $1 AND l.connection_id = $2 AND l.entity = 'product' AND l.deleted_at IS NULL
        AND (CASE WHEN $3::text IS NULL THEN l.external_id = $4 ELSE l.parent_external_id = $3 END)
      -- The platform's own order of the variants (productSet positions): ids grow with creation.
      -- Link creation time is no order (a page's links share it).
      ORDER BY length(l.external_id), l.external_id`,
    [job.tenantId, job.connectionId, job.parentExternalId, job.externalId],
  );
  return { readAt: at.rows[0]!.at, readMark: performance.now(), members: rows };
}

const GROUP_FIELDS = ['description', 'vendor', 'productType', 'tags', 'isActive'] as const;
/** A lone SKU is named as its product (Shopify's "Default Title" variant reads back as the title). */
const LONE_VARIANT = 'Default Title';

/** The group's value of a product-level field: that of the SKU that set it last. */
function groupValue(members: Member[], field: (typeof GROUP_FIELDS)[number]): unknown {
  let best: Member | undefined;
  let bestAt = -Infinity;
  for (const m of members) {
    if (!Object.hasOwn(m.data, field)) continue;
    const at = Date.parse(m.field_meta?.[field]?.at ?? '');
    const t = Number.isNaN(at) ? -Infinity : at;
    if (!best || t > bestAt) [best, bestAt] = [m, t];
  }
  return best?.data[field];
}

/**
 * The platform title and each SKU's variant name from the hub's names, which follow the mappings'
 * convention: "<product> - <variant>", or the product's title alone for its only SKU.
 */
function names(members: Member[]): { title: string; variantNames: string[] } {
  const groupTitle = members.find((m) => m.group_title)?.group_title ?? null;
  const nameOf = (m: Member) => m.name ?? m.sku ?? m.external_id;
  const strip = (title: string, name: string) => (name.startsWith(`${title} - `) ? name.slice(title.length + 3) : null);
  if (members.length === 1) {
    const name = nameOf(members[0]!);
    const rest = groupTitle ? strip(groupTitle, name) : null;
    return rest ? { title: groupTitle!, variantNames: [rest] } : { title: name, variantNames: [LONE_VARIANT] };
  }
  const title = groupTitle ?? nameOf(members[0]!);
  return { title, variantNames: members.map((m) => strip(title, nameOf(m)) ?? nameOf(m)) };
}

type Ops = NonNullable<ProductPush['skus'][number]['ops']>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === null ? null : undefined);

export interface BuiltPush {
  push: ProductPush;
  /** Per member: the canonical fields sent, as the platform will read them back. */
  sent: Record<string, unknown>[];
  hashes: string[];
}

/** The ProductPush of the group and, per SKU, what it sends and its push hash over `fields`. */
export function buildPush(members: Member[], fields: readonly ProductField[] = PRODUCT_FIELDS): BuiltPush {
  const { title, variantNames } = names(members);
  const group = Object.fromEntries(GROUP_FIELDS.map((f) => [f, groupValue(members, f)])) as Record<(typeof GROUP_FIELDS)[number], unknown>;
  const push: ProductPush = {
    parentExternalId: members[0]!.parent_external_id,
    title,
    description: str(group.description),
    vendor: str(group.vendor),
    productType: str(group.productType),
    tags: Array.isArray(group.tags) ? (group.tags as string[]) : group.tags === null ? null : undefined,
    isActive: typeof group.isActive === 'boolean' ? group.isActive : group.isActive === null ? null : undefined,
    skus: members.map((m, i) => ({
      externalId: m.external_id,
      sku: m.sku ?? '',
      variantName: variantNames[i]!,
      price: str(m.data.price),
      compareAtPrice: str(m.data.compareAtPrice),
      gtin: str(m.data.gtin),
      taxable: typeof m.data.taxable === 'boolean' ? m.data.taxable : m.data.taxable === null ? null : undefined,
      ops: {
        // Validated canonical values (core/records.ts) as stored in the hub row.
        dimensions: m.data.dimensions as Ops['dimensions'],
        weight: m.data.weight as Ops['weight'],
        customsCode: str(m.data.customsCode),
        countryOfOrigin: str(m.data.countryOfOrigin),
        manufacturer: str(m.data.manufacturer),
      },
    })),
  };
  const sent = push.skus.map((s, i) => ({
    name: s.variantName === LONE_VARIANT ? title : `${title} - ${s.variantName}`,
    description: push.description,
    vendor: push.vendor,
    productType: push.productType,
    tags: push.tags,
    isActive: push.isActive,
    sku: members[i]!.sku,
    price: s.price,
    compareAtPrice: s.compareAtPrice,
    gtin: s.gtin,
    taxable: s.taxable,
    ...s.ops,
  }));
  const picked = sent.map((v) => pushedFields(fields, v));
  return { push, sent: picked, hashes: picked.map(pushHashOf) };
}

/**
 * `waitedSeconds` (pushed only): from the oldest request the push answered to the platform's answer —
 * the request's age on the database clock when the hub was read, plus the time since on this process's.
 */
export type PushOutcome = { outcome: 'nothing' } | { outcome: 'unchanged'; skus: number } | { outcome: 'pushed'; skus: number; waitedSeconds: number | null };

function waitedSeconds(group: LoadedGroup): number | null {
  const requested = group.members.map((m) => m.push_requested_at?.getTime()).filter((t): t is number => t !== undefined && t <= group.readAt.getTime());
  if (requested.length === 0) return null;
  return Math.max(0, (group.readAt.getTime() - Math.min(...requested) + performance.now() - group.readMark) / 1000);
}

/**
 * Pushes the job's target once: the product fields (upsertProduct) when they changed, then the stock
 * (stock-push.ts) where the platform does not hold the hub's. Throws what the platform or the
 * connection threw (SyncError): the caller decides between a retry and a dead letter (recordPushFailure).
 * What was sent before a failure is recorded, so the retry does not send it again.
 */
export async function pushTarget(deps: ContextDeps, job: PushJob, signal: AbortSignal): Promise<PushOutcome> {
  const group = await deps.db.withTenant(job.tenantId, (tx) => loadGroup(tx, job));
  if (group.members.length === 0) return { outcome: 'nothing' }; // unlinked or deleted since it was queued
  const conn = await loadConnectionForSync(deps, job.tenantId, job.connectionId);
  const ops = conn.connector.push;
  if (!ops?.upsertProduct && !ops?.setStock) return { outcome: 'nothing' };
  const built = ops.upsertProduct ? buildPush(group.members, ops.productFields) : null;
  const changed = built ? group.members.filter((m, i) => m.last_pushed_hash !== built.hashes[i]) : [];
  const cfg = conn.config as { stockLocationId?: string; stockWarehouses?: string[] };
  const target = { platform: conn.platform, stockLocationId: cfg.stockLocationId, stockWarehouses: cfg.stockWarehouses, defaultStockLocationId: ops.defaultStockLocationId };
  const stock = ops.setStock
    ? await deps.db.withTenant(job.tenantId, (tx) => planStockPush(tx, job, group.members.map((m) => m.link_id), target))
    : { sends: [], problems: [] };
  if (changed.length === 0 && stock.sends.length === 0 && stock.problems.length === 0) {
    await recordPushed(deps, job, group, built, null, [], true);
    return { outcome: 'unchanged', skus: group.members.length };
  }
  // The same client, limiter and outbound policy as the connection's reads (pull-writes does alike). A
  // few quick retries in the client; longer outages are the outbox's retries, which free the worker.
  const ctx = buildCtx(deps, conn, { signal, budget: new RetryBudget({ maxConsecutive: 3, base: 3 }), startedAt: new Date() });
  let result: ProductPushResult | null = null;
  if (changed.length > 0 && built) {
    // Written before sending: the platform's webhook of this push may be applied before its answer is
    // recorded, and must still be recognised as our echo (apply.ts). Cleared when the attempt ends.
    await setPushingHashes(deps, job, group.members.map((m, i) => [m.link_id, built.hashes[i]!]));
    try {
      result = await ops.upsertProduct!(ctx, built.push);
    } catch (err) {
      await setPushingHashes(deps, job, group.members.map((m) => [m.link_id, null])).catch((e) => deps.logger.warn({ err: e }, 'could not clear the in-flight push hashes'));
      throw err;
    }
    // On success the in-flight hash stays until recordPushed swaps it for last_pushed_hash in one
    // statement: the stock writes below take time, and a webhook of this push applied meanwhile must
    // still match one of the two.
  }
  const sent: StockSend[] = [];
  let failure: unknown;
  if (stock.sends.length > 0) await deps.db.withTenant(job.tenantId, (tx) => setPushingStock(tx, job, stock.sends, []));
  try {
    for (const s of stock.sends) {
      await ops.setStock!(ctx, s);
      sent.push(s);
    }
  } catch (err) {
    failure = err;
  }
  await recordPushed(deps, job, group, built, result, sent, failure === undefined && stock.problems.length === 0);
  if (stock.sends.length > 0) await deps.db.withTenant(job.tenantId, (tx) => setPushingStock(tx, job, null, stock.sends.map((x) => x.linkId)));
  if (failure !== undefined) throw failure;
  if (stock.problems.length > 0) throw stockProblemsError(stock.problems);
  return { outcome: 'pushed', skus: group.members.length, waitedSeconds: waitedSeconds(group) };
}

async function setPushingHashes(deps: ContextDeps, job: PushJob, hashes: [string, string | null][]): Promise<void> {
  await deps.db.withTenant(job.tenantId, (tx) =>
    tx.query(
      `UPDATE links l SET pushing_hash = h.hash FROM jsonb_to_recordset($2::jsonb) AS h(id uuid, hash text) WHERE l.tenant_id = $1 AND l.id = h.id`,
      [job.tenantId, JSON.stringify(hashes.map(([id, hash]) => ({ id, hash })))],
    ),
  );
}

/**
 * `answered`: the push did all it had to. Only then are the target's requests cleared and its push dead
 * letters resolved; after a partial push, what was sent is recorded and the rest stays pending.
 */
async function recordPushed(
  deps: ContextDeps,
  job: PushJob,
  group: LoadedGroup,
  built: BuiltPush | null,
  result: ProductPushResult | null,
  stockSent: StockSend[],
  answered: boolean,
): Promise<void> {
  const { members, readAt } = group;
  const ids = [...new Set(members.map((m) => m.hub_id))];
  const returned = new Map((result?.skus ?? []).map((s) => [s.externalId, s.platformIds]));
  const rows = members.map((m, i) => ({
    link_id: m.link_id,
    hub_id: m.hub_id,
    hash: built ? built.hashes[i] : m.last_pushed_hash,
    platform_ids: returned.get(m.external_id) ?? {},
    // Only what was sent and differs from the previous push is a change worth a log line.
    changes: result && built && m.last_pushed_hash !== built.hashes[i] ? Object.fromEntries(Object.entries(built.sent[i]!).map(([k, v]) => [k, { new: v }])) : null,
  }));
  await deps.db.withTenant(job.tenantId, async (tx) => {
    await tx.query(`SELECT id FROM products WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`, [job.tenantId, ids]);
    await tx.query(
      `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(link_id uuid, hub_id uuid, hash text, platform_ids jsonb, changes jsonb)),
            l AS (UPDATE links l SET last_pushed_hash = r.hash, pushing_hash = NULL, platform_ids = l.platform_ids || r.platform_ids,
                         last_pushed_at = CASE WHEN $5 THEN now() ELSE l.last_pushed_at END,
                         push_requested_at = CASE WHEN $6 AND l.push_requested_at <= $4::timestamptz THEN NULL ELSE l.push_requested_at END
                    FROM r WHERE l.tenant_id = $1 AND l.id = r.link_id RETURNING l.id)
       INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action, changes)
       SELECT $1, 'product', r.hub_id, $3, 'push', 'hub', 'update', r.changes FROM r WHERE r.changes IS NOT NULL`,
      [job.tenantId, JSON.stringify(rows), job.connectionId, readAt, result !== null, answered],
    );
    await recordStockPushed(tx, job, stockSent);
    if (!answered) return;
    // The platform now holds the hub's state of these SKUs: an earlier refusal no longer stands.
    await tx.query(
      `UPDATE dead_letters SET status = 'resolved', resolved_at = now()
        WHERE tenant_id = $1 AND connection_id = $2 AND kind = 'push' AND status = 'open' AND (external_id = ANY($3::text[]) OR payload->>'key' = $4)`,
      [job.tenantId, job.connectionId, members.map((m) => m.external_id), pushKey(job)],
    );
    await tx.query(
      `UPDATE products p SET sync_status = 'SYNCED'
        WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[]) AND p.sync_status = 'PENDING'
          AND NOT EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = p.tenant_id AND l.entity = 'product' AND l.hub_id = p.id
                             AND l.deleted_at IS NULL AND l.push_requested_at IS NOT NULL)`,
      [job.tenantId, ids],
    );
  });
}

/**
 * A push that will not be retried: a dead letter of kind `push` per SKU of the target (the read API shows
 * each link in `error` with the reason), or the SKU's open one updated. The requests stay: the product
 * is still pending, and a later successful push resolves the dead letters.
 */
export async function recordPushFailure(deps: ContextDeps, job: PushJob, err: SyncError): Promise<void> {
  await deps.db.withTenant(job.tenantId, async (tx) => {
    const { members } = await loadGroup(tx, job);
    const externalIds = members.length > 0 ? members.map((m) => m.external_id) : [job.externalId];
    const payload = { key: pushKey(job), productId: job.productId, parentExternalId: job.parentExternalId, attempts: job.attempt, details: err.details ?? null };
    await tx.query(
      `WITH open AS (UPDATE dead_letters SET reason = $4, error_code = $5, payload = $6::jsonb, attempts = attempts + 1
                      WHERE tenant_id = $1 AND connection_id = $2 AND kind = 'push' AND status = 'open' AND external_id = ANY($3::text[])
                      RETURNING external_id)
       INSERT INTO dead_letters (tenant_id, connection_id, kind, external_id, payload, reason, error_code, attempts)
       SELECT $1, $2, 'push', x, $6::jsonb, $4, $5, $7 FROM unnest($3::text[]) AS x WHERE x NOT IN (SELECT external_id FROM open)`,
      [job.tenantId, job.connectionId, externalIds, err.message, err.code, JSON.stringify(payload), job.attempt],
    );
  });
}

/** A thrown value as the SyncError that decides what follows. */
export function asSyncError(err: unknown): SyncError {
  return isSyncError(err) ? err : new SyncError('internal_error', (err as Error)?.message ?? String(err), { cause: err });
}
