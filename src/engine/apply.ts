// Writes one page of canonical records into the hub, inside the page's transaction. Set-based: a few
// statements per page whatever its size (records travel as one jsonb parameter), so a page costs
// about what a batched INSERT costs. Only changed rows are written: a record whose content hash
// equals the link's last_pulled_hash costs no write (at most a "seen" mark during a full pass).
import { randomUUID } from 'node:crypto';
import { contentHash } from '../core/hash.js';
import { timeOrderedUuid } from '../core/ids.js';
import type { CanonicalRecord, CatalogItemRecord, CustomerRecord, Entity, FulfilmentRecord, OrderRecord, ProductField, ProductRecord, StockLevelRecord } from '../core/records.js';
import { fieldHashes, pushedFields, pushHashOf } from '../core/push-hash.js';
import { productFieldsOf } from './product-merge.js';
import { recordKey } from '../core/records.js';
import type { Queryable } from '../store/db.js';
import type { ContextDeps } from './run-context.js';
import { type HubStatementPart, type HubWrite, prepareProducts, PRODUCTS_PART, upsertCatalogItems, upsertCustomers, upsertOrders } from './hub-writes.js';
import { upsertStockLevels } from './stock-levels.js';
import { queueOutbounds, upsertFulfilments } from './fulfilments.js';

export interface ApplyContext {
  tenantId: string;
  connectionId: string;
  runId: string | null;
  /** Who the data comes from (the platform), for field provenance and the audit log. */
  origin: string;
  /** Set during a full pass: every record read is marked seen with it (mark-and-sweep). */
  passId: string | null;
  /**
   * The product fields a push to this origin writes (its connector's PushOps.productFields): a product
   * record whose fields hash to what the link says we last pushed is our own echo (core/push-hash.ts).
   */
  pushedFields?: readonly ProductField[];
}

export interface ApplyResult {
  added: number;
  updated: number;
  unchanged: number;
  /** added / updated / unchanged per entity (the metrics' records_applied_total). */
  byEntity: Map<Entity, { added: number; updated: number; unchanged: number }>;
  /** Records that are valid but cannot be placed (e.g. stock for a SKU the hub does not know). */
  rejected: { record: CanonicalRecord; reason: string }[];
  /** Hub products whose fields (or, from a stock authority, stock) this apply changed: to be pushed to their other platforms once committed. */
  changedProducts: Set<string>;
  /** Hub products the origin tried to change in fields it may not write: the hub value is pushed back to it. */
  reassertProducts: Set<string>;
  /** Fulfilment connections asked for outbounds of the orders stored (fulfilments.ts): told after the commit. */
  outbounds: Set<string>;
}

interface LinkRow {
  id: string;
  external_id: string;
  hub_id: string;
  last_pulled_hash: string | null;
  last_pushed_hash: string | null;
  pushing_hash: string | null;
  last_pulled_fields: Record<string, string> | null;
  deleted_at: Date | null;
}

/** The hash covers the content, not the remote timestamp: a spurious updated_at bump is no change. */
export function recordHash(r: CanonicalRecord): string {
  const { remoteUpdatedAt: _ignored, ...content } = r as CanonicalRecord & { remoteUpdatedAt?: unknown };
  return contentHash(content);
}

export async function applyRecords(tx: Queryable, ctx: ApplyContext, records: CanonicalRecord[]): Promise<ApplyResult> {
  const result: ApplyResult = { added: 0, updated: 0, unchanged: 0, byEntity: new Map(), rejected: [], changedProducts: new Set(), reassertProducts: new Set(), outbounds: new Set() };
  const byEntity = new Map<Entity, Map<string, CanonicalRecord>>();
  for (const r of records) {
    let group = byEntity.get(r.entity);
    if (!group) byEntity.set(r.entity, (group = new Map()));
    group.set(recordKey(r), r); // the last copy of a key within a page wins
  }
  // Products before stock levels, customers before orders: later groups resolve ids of earlier ones.
  for (const entity of ['product', 'customer', 'catalog_item', 'stock_level', 'order', 'fulfilment'] as Entity[]) {
    const group = byEntity.get(entity);
    if (group) await applyGroup(tx, ctx, entity, group, result);
  }
  return result;
}

async function applyGroup(tx: Queryable, ctx: ApplyContext, entity: Entity, group: Map<string, CanonicalRecord>, result: ApplyResult): Promise<void> {
  const keys = [...group.keys()];
  const { rows: links } = await tx.query<LinkRow>(
    `SELECT id, external_id, hub_id, last_pulled_hash, last_pushed_hash, pushing_hash, last_pulled_fields, deleted_at FROM links
      WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND external_id = ANY($4::text[])`,
    [ctx.tenantId, ctx.connectionId, entity, keys],
  );
  const linkByKey = new Map(links.map((l) => [l.external_id, l]));
  const counted = { added: 0, updated: 0, unchanged: 0 };
  result.byEntity.set(entity, counted);
  const seen: string[] = [];
  const writes: HubWrite<CanonicalRecord>[] = [];
  for (const [key, record] of group) {
    const hash = recordHash(record);
    const link = linkByKey.get(key);
    if (link && link.last_pulled_hash === hash && link.deleted_at === null) {
      result.unchanged++;
      counted.unchanged++;
      seen.push(link.id);
      continue;
    }
    const write: HubWrite<CanonicalRecord> = { key, record, hash, hubId: link?.hub_id ?? null, isNew: !link || link.deleted_at !== null, linked: link !== undefined };
    if (record.entity === 'product') {
      // Which fields the platform changed since the link's last read: its one timestamp dates only those.
      write.pulledFields = fieldHashes(productFieldsOf(record));
      const before = link && link.deleted_at === null ? link.last_pulled_fields : null;
      if (before) write.unchangedFields = Object.keys(write.pulledFields).filter((f) => before[f] === write.pulledFields![f]);
    }
    // Our own push coming back (its webhook, or the next pull): the pushed fields are not applied again.
    if (record.entity === 'product' && ctx.pushedFields && link && link.deleted_at === null && (link.last_pushed_hash || link.pushing_hash)) {
      const hash = pushHashOf(pushedFields(ctx.pushedFields, record));
      if (hash === link.last_pushed_hash || hash === link.pushing_hash) write.echoOf = ctx.pushedFields;
    }
    writes.push(write);
  }
  // Read again unchanged: no hub write, but the link records the read (lastPulledAt) and, in a full
  // pass, that the pass saw it (mark-and-sweep).
  if (seen.length > 0) {
    await tx.query('UPDATE links SET last_pulled_at = now(), last_seen_run_id = coalesce($2, last_seen_run_id) WHERE id = ANY($1::uuid[])', [seen, ctx.passId]);
  }
  if (writes.length === 0) return;

  let written: HubWrite<CanonicalRecord>[] = writes;
  let productRows: Record<string, unknown>[] | undefined;
  switch (entity) {
    case 'product': {
      // Products, links and log: one statement (the hot path of every catalog import).
      const prepared = await prepareProducts(tx, ctx, writes as HubWrite<ProductRecord>[]);
      productRows = prepared.rows;
      for (const id of prepared.merged.changed) result.changedProducts.add(id);
      for (const id of prepared.merged.reassert) result.reassertProducts.add(id);
      break;
    }
    case 'customer':
      written = await upsertCustomers(tx, ctx, writes as HubWrite<CustomerRecord>[]);
      break;
    case 'catalog_item':
      written = await upsertCatalogItems(tx, ctx, writes as HubWrite<CatalogItemRecord>[]);
      break;
    case 'stock_level': {
      const placed = await upsertStockLevels(tx, ctx, writes as HubWrite<StockLevelRecord>[]);
      result.rejected.push(...placed.rejected);
      for (const id of placed.changedProducts) result.changedProducts.add(id);
      written = placed.written;
      break;
    }
    case 'order':
      written = await upsertOrders(tx, ctx, writes as HubWrite<OrderRecord>[]);
      break;
    case 'fulfilment':
      written = await upsertFulfilments(tx, ctx, writes as HubWrite<FulfilmentRecord>[]);
      break;
  }
  if (written.length === 0) return;
  await writeLinksAndLog(tx, ctx, entity, written, productRows);
  // After the links: the rule names channel platforms, which queueOutbounds reads from the order's link.
  if (entity === 'order') for (const id of await queueOutbounds(tx, ctx.tenantId, written.map((w) => w.hubId!))) result.outbounds.add(id);
  for (const w of written) {
    if (w.isNew) result.added++;
    else result.updated++;
    counted[w.isNew ? 'added' : 'updated']++;
  }
}

// The links of the written records and their audit lines (and, for products, the hub rows too), in
// one statement over one payload. A key that had no link gets a plain INSERT with an id made here:
// the lookup found no row, so the upsert's conflict check (and a server-side gen_random_uuid() per
// row) would buy nothing; should another transaction insert the same key meanwhile, the unique key
// fails this page's transaction and the page is written again, now finding that link. Keys that had
// a link (changed, or soft-deleted and back) keep the upsert.
function linksAndLogSql(hub?: HubStatementPart): string {
  return `
  WITH r AS MATERIALIZED (
         SELECT * FROM jsonb_to_recordset($6::jsonb)
             AS r(new_link_id uuid, hub_id uuid, external_id text, parent_external_id text, platform_ids jsonb, hash text,
                  remote_updated_at timestamptz, action text, changes jsonb, pulled_fields jsonb${hub ? `, ${hub.columns}` : ''})),${hub ? `${hub.ctes},` : ''}
       fresh_links AS (
         INSERT INTO links (id, tenant_id, entity, hub_id, connection_id, external_id, parent_external_id, platform_ids,
                            last_pulled_hash, remote_updated_at, last_seen_run_id, last_pulled_at, last_pulled_fields)
         SELECT r.new_link_id, $1, $2, r.hub_id, $3, r.external_id, r.parent_external_id, coalesce(r.platform_ids, '{}'),
                r.hash, r.remote_updated_at, $4, now(), r.pulled_fields
           FROM r WHERE r.new_link_id IS NOT NULL),
       known_links AS (
         INSERT INTO links (tenant_id, entity, hub_id, connection_id, external_id, parent_external_id, platform_ids,
                            last_pulled_hash, remote_updated_at, last_seen_run_id, last_pulled_at, last_pulled_fields)
         SELECT $1, $2, r.hub_id, $3, r.external_id, r.parent_external_id, coalesce(r.platform_ids, '{}'), r.hash, r.remote_updated_at, $4, now(), r.pulled_fields
           FROM r WHERE r.new_link_id IS NULL
         ON CONFLICT (connection_id, entity, external_id) DO UPDATE
            SET hub_id = EXCLUDED.hub_id, parent_external_id = EXCLUDED.parent_external_id,
                platform_ids = links.platform_ids || EXCLUDED.platform_ids,
                last_pulled_hash = EXCLUDED.last_pulled_hash,
                remote_updated_at = greatest(links.remote_updated_at, EXCLUDED.remote_updated_at),
                last_seen_run_id = coalesce(EXCLUDED.last_seen_run_id, links.last_seen_run_id),
                last_pulled_fields = coalesce(EXCLUDED.last_pulled_fields, links.last_pulled_fields),
                deleted_at = NULL, updated_at = now(), last_pulled_at = now())
  -- The audit trail: one line per record created or changed by this pull.
  INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, run_id, direction, origin, action, changes)
  SELECT $1, $2, r.hub_id, $3, $5, 'pull', $7, r.action, coalesce(r.changes, '{}'::jsonb) FROM r`;
}

const LINKS_AND_LOG = linksAndLogSql();
const PRODUCTS_LINKS_AND_LOG = linksAndLogSql(PRODUCTS_PART);

/** `productRows`: each write's fields of PRODUCTS_PART, when the products are written here too. */
async function writeLinksAndLog(tx: Queryable, ctx: ApplyContext, entity: Entity, written: HubWrite<CanonicalRecord>[], productRows?: Record<string, unknown>[]): Promise<void> {
  const rows = written.map((w, i) => ({
    new_link_id: w.linked ? null : timeOrderedUuid(),
    hub_id: w.hubId,
    external_id: w.key,
    parent_external_id: w.record.entity === 'product' ? w.record.parentExternalId : null,
    platform_ids: w.record.entity === 'product' ? (w.record.platformIds ?? null) : null,
    hash: w.hash,
    remote_updated_at: 'remoteUpdatedAt' in w.record ? (w.record.remoteUpdatedAt ?? null) : null,
    action: w.isNew ? 'create' : 'update',
    pulled_fields: w.pulledFields ?? null,
    ...productRows?.[i],
  }));
  const sql = productRows ? PRODUCTS_LINKS_AND_LOG : LINKS_AND_LOG;
  await tx.query(sql, [ctx.tenantId, entity, ctx.connectionId, ctx.passId, ctx.runId, JSON.stringify(rows), ctx.origin]);
}

export function newHubId(): string {
  return randomUUID();
}

/**
 * After the commit of what `result` came from: fulfilment connections are told of the outbounds asked
 * for, the products whose fields changed are pushed to their
 * other platforms, and those the origin tried to change in fields it may not write get the hub's value
 * pushed back to it. A failure to queue leaves the product as it is (a later full sync pushes it).
 */
export async function queueProductPushes(deps: Pick<ContextDeps, 'enqueueProductPushes' | 'onPullWrites' | 'logger'>, tenantId: string, connectionId: string, result: Pick<ApplyResult, 'changedProducts' | 'reassertProducts' | 'outbounds'>): Promise<void> {
  // Outbounds the orders asked for are pull writes of their fulfilment connection, stored with the orders.
  for (const id of result.outbounds) deps.onPullWrites?.(tenantId, id);
  if (!deps.enqueueProductPushes) return;
  const warn = (err: unknown) => deps.logger.warn({ err, tenantId, connectionId }, 'could not queue product pushes');
  if (result.changedProducts.size > 0) await deps.enqueueProductPushes(tenantId, [...result.changedProducts], { exceptConnectionId: connectionId }).catch(warn);
  if (result.reassertProducts.size > 0) await deps.enqueueProductPushes(tenantId, [...result.reassertProducts], { onlyConnectionIds: [connectionId] }).catch(warn);
}
