// Hub products as the read API shows them: lists with filters and keyset paging, one product with its
// stock and field provenance, and the tenant's sync-status totals. Every query names the tenant;
// row-level security checks it a second time.
//
// Sync status, per link and per product, is derived from what the schema records (docs/api.md):
//   - a link is `error` while an open dead letter names its record: a record of a product stream
//     (`products`, `offers`) of its connection with its external id that could not be applied, or a
//     failed push (kind `push`); the newest such dead letter's reason is its message;
//   - a link is `pending` while a push to it is queued (links.push_requested_at) or its product's
//     `sync_status` is PENDING (a hub change not yet pushed to
//     every target; the push outbox sets it back to SYNCED, engine/product-push.ts);
//   - otherwise `in_sync`.
// A product is `error` if its sync_status is ERROR or a link is in error; else `conflict` if its
// sync_status is CONFLICT or it has an open conflicts row; else `pending` if its sync_status is
// PENDING; else `in_sync`. The filter and the totals use the same rules as the items.
import type { Queryable } from './db.js';
import { cursorTimestampSql, type Keyset } from './paging.js';
import { isoSql, type JsonPage, LINK_FIELDS, LINKS_WITH_CONNECTION, liveLinksWhere, pageSql, prefixSql, queryPage, Where } from './hub-reads.js';

export const SYNC_STATUSES = ['in_sync', 'pending', 'conflict', 'error'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Streams whose records are products: their dead letters belong to product links. */
export const PRODUCT_STREAMS = ['products', 'offers'] as const;
const STREAMS_SQL = PRODUCT_STREAMS.map((s) => `'${s}'`).join(', ');

export interface LinkView {
  connectionId: string;
  platform: string;
  connectionName: string;
  externalId: string;
  parentExternalId: string | null;
  platformIds: Record<string, string>;
  remoteUpdatedAt: string | null;
  /** When a pull or webhook last wrote a change through this link (links.updated_at). */
  lastChangedAt: string;
}

export interface ProductLinkView extends LinkView {
  /** When a pull or webhook last read the record, changed or not. */
  lastPulledAt: string | null;
  /** When a push last wrote the record on its platform (links.last_pushed_at, migration 015). */
  lastPushedAt: string | null;
  state: 'in_sync' | 'pending' | 'error';
  error: { message: string; code: string | null; deadLetterId: string; at: string } | null;
}

export interface ProductView {
  id: string;
  sku: string | null;
  name: string | null;
  groupKey: string | null;
  groupTitle: string | null;
  /** The canonical fields as stored (price, compareAtPrice, images, reorderPoint, ...). */
  fields: Record<string, unknown>;
  syncStatus: SyncStatus;
  lastUpdatedBy: string | null;
  /** Incremented by every write to the product (migration 013); the ETag of GET /products/:id. */
  version: number;
  createdAt: string;
  updatedAt: string;
  links: ProductLinkView[];
}

export interface StockAtLocation {
  id: string;
  locationId: string;
  available: number;
  reserved: number;
  announced: number;
  updatedAt: string;
}

export interface ConflictSummary {
  id: string;
  field: string;
  localOrigin: string | null;
  remoteOrigin: string | null;
  localAt: string | null;
  remoteAt: string | null;
  createdAt: string;
}

export interface ProductDetail extends ProductView {
  stock: StockAtLocation[];
  /** Per field: the origin (platform name, or `hub`) that last set it, and when. */
  fieldMeta: Record<string, { origin: string | null; at: string | null }>;
  conflicts: ConflictSummary[];
}

export interface ProductFilter {
  sku?: string | undefined;
  q?: string | undefined;
  syncStatus?: SyncStatus | undefined;
  connectionId?: string | undefined;
  updatedSince?: string | undefined;
}

/** The open dead letters (alias d) that concern the product link (alias l). */
const linkDeadLetter = (d: string, l: string) =>
  `${d}.tenant_id = ${l}.tenant_id AND ${d}.connection_id = ${l}.connection_id AND ${d}.external_id = ${l}.external_id
   AND ${d}.status = 'open' AND (${d}.stream IN (${STREAMS_SQL}) OR ${d}.kind = 'push')`;

const hasLinkError = (p: string) =>
  `EXISTS (SELECT 1 FROM links el JOIN dead_letters ed ON ${linkDeadLetter('ed', 'el')}
            WHERE el.tenant_id = ${p}.tenant_id AND el.entity = 'product' AND el.hub_id = ${p}.id AND el.deleted_at IS NULL)`;

const hasOpenConflict = (p: string) => `EXISTS (SELECT 1 FROM conflicts ek WHERE ek.tenant_id = ${p}.tenant_id AND ek.product_id = ${p}.id AND ek.status = 'open')`;

/** Ids of the tenant's products in error, as a set (so the planner can start from the few of them). */
const ERRORED_IDS = `SELECT el.hub_id FROM dead_letters ed
    JOIN links el ON el.tenant_id = ed.tenant_id AND el.connection_id = ed.connection_id AND el.entity = 'product'
                 AND el.external_id = ed.external_id AND el.deleted_at IS NULL
   WHERE ed.tenant_id = $2 AND ed.status = 'open' AND (ed.stream IN (${STREAMS_SQL}) OR ed.kind = 'push')
  UNION ALL SELECT ee.id FROM products ee WHERE ee.tenant_id = $2 AND ee.sync_status = 'ERROR'`;

const CONFLICTED_IDS = `SELECT ek.product_id FROM conflicts ek WHERE ek.tenant_id = $2 AND ek.status = 'open'
  UNION ALL SELECT ee.id FROM products ee WHERE ee.tenant_id = $2 AND ee.sync_status = 'CONFLICT'`;

const STATUS_FILTER: Record<SyncStatus, string> = {
  error: `p.id IN (${ERRORED_IDS})`,
  conflict: `p.id IN (${CONFLICTED_IDS}) AND p.sync_status <> 'ERROR' AND NOT ${hasLinkError('p')}`,
  pending: `p.sync_status = 'PENDING' AND NOT ${hasLinkError('p')} AND NOT ${hasOpenConflict('p')}`,
  in_sync: `p.sync_status = 'SYNCED' AND NOT ${hasLinkError('p')} AND NOT ${hasOpenConflict('p')}`,
};

/**
 * The links of product p (alias lk): `links`, the JSON array of ProductLinkView, and `has_error`, whether
 * one is in error, from one pass over them.
 */
const PRODUCT_LINKS = `CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object(${LINK_FIELDS},
           'lastPulledAt', ${isoSql('l.last_pulled_at')}, 'lastPushedAt', ${isoSql('l.last_pushed_at')},
           'state', CASE WHEN dl.id IS NOT NULL THEN 'error' WHEN l.push_requested_at IS NOT NULL OR p.sync_status = 'PENDING' THEN 'pending' ELSE 'in_sync' END,
           'error', CASE WHEN dl.id IS NOT NULL THEN json_build_object('message', dl.reason, 'code', dl.error_code, 'deadLetterId', dl.id, 'at', ${isoSql('dl.created_at')}) END)
           ORDER BY l.created_at, l.id), '[]'::json) AS links,
         coalesce(bool_or(dl.id IS NOT NULL), false) AS has_error
    FROM ${LINKS_WITH_CONNECTION}
    LEFT JOIN LATERAL (SELECT d.id, d.reason, d.error_code, d.created_at FROM dead_letters d
                        WHERE ${linkDeadLetter('d', 'l')} ORDER BY d.created_at DESC, d.id DESC LIMIT 1) dl ON true
   WHERE ${liveLinksWhere('product', 'p')}) lk`;

/** A product row (alias p, its links lk) as a ProductView; the status rules are those of hasLinkError and STATUS_FILTER. */
const PRODUCT_JSON = `json_build_object(
  'id', p.id, 'sku', coalesce(p.data->>'sku', p.sku), 'name', p.name, 'groupKey', p.group_key, 'groupTitle', p.group_title,
  'fields', p.data,
  'syncStatus', CASE WHEN p.sync_status = 'ERROR' OR lk.has_error THEN 'error'
                     WHEN p.sync_status = 'CONFLICT' OR ${hasOpenConflict('p')} THEN 'conflict'
                     WHEN p.sync_status = 'PENDING' THEN 'pending' ELSE 'in_sync' END,
  'lastUpdatedBy', p.last_updated_by, 'version', p.version, 'createdAt', ${isoSql('p.created_at')}, 'updatedAt', ${isoSql('p.updated_at')}, 'links', lk.links)`;

/** Above this many matches a filter's candidates are not gathered first (see listProducts). */
export const CANDIDATE_CAP = 2000;

/**
 * A page of live products. In order of creation; with `updatedSince`, in order of last change (the
 * order an incremental reader wants: a product changed while it pages comes again later).
 *
 * Reading in that order and skipping what does not match stops after a page of matches, which is
 * quick while matches are spread over the order, and slow when they are bunched far down it: real
 * SKUs follow creation (a range of SKU-00426xx was imported together), and a shop connected later
 * has its own products at the end. The planner cannot see that. So the `q` and `connectionId` filters
 * first gather their candidates from their own index, at most CANDIDATE_CAP of them, and while there
 * are no more the page is sorted from those; only a broader filter reads in order.
 */
export async function listProducts(
  tx: Queryable,
  tenantId: string,
  f: ProductFilter & { limit: number; after?: Keyset | null; /** default CANDIDATE_CAP; tests set it to take either plan */ candidateCap?: number },
): Promise<JsonPage> {
  const cap = f.candidateCap ?? CANDIDATE_CAP;
  const byUpdate = f.updatedSince !== undefined;
  const col = byUpdate ? 'updated_at' : 'created_at';
  const w = new Where(f.limit + 1, tenantId, 'p.tenant_id = $2', 'p.deleted_at IS NULL');
  const candidates: string[] = [];
  if (f.sku !== undefined) {
    // The stored key finds the rows (an index condition); the exact, case-sensitive SKU then decides.
    const s = w.param(f.sku);
    w.add(`p.sku_key = lower(${s}) AND coalesce(p.data->>'sku', p.sku) = ${s}`);
  }
  if (f.q !== undefined) {
    const q = w.param(f.q);
    w.add(`(${prefixSql('p.name_key', q)} OR ${prefixSql('p.sku_key', q)})`);
    // Each read in its prefix index's own (byte-wise) order, so a broad prefix stops after the cap.
    for (const key of ['name_key', 'sku_key']) {
      candidates.push(`SELECT id FROM products WHERE tenant_id = $2 AND deleted_at IS NULL AND ${prefixSql(key, q)}
                        ORDER BY ${key} USING ~<~ LIMIT ${cap + 1}`);
    }
  }
  if (f.connectionId !== undefined) {
    const c = w.param(f.connectionId);
    w.add(`EXISTS (SELECT 1 FROM links cl WHERE cl.tenant_id = $2 AND cl.entity = 'product' AND cl.hub_id = p.id
                    AND cl.connection_id = ${c}::uuid AND cl.deleted_at IS NULL)`);
    if (candidates.length === 0) {
      candidates.push(`SELECT hub_id AS id FROM links WHERE tenant_id = $2 AND connection_id = ${c}::uuid AND entity = 'product' AND deleted_at IS NULL
                        ORDER BY external_id LIMIT ${cap + 1}`);
    }
  }
  if (f.syncStatus !== undefined) w.add(STATUS_FILTER[f.syncStatus]);
  if (byUpdate) w.add(`p.updated_at >= ${w.param(f.updatedSince)}::timestamptz`);
  w.after('p', col, f.after);
  const select = `SELECT p.*, ${cursorTimestampSql(`p.${col}`)} AS cursor_ts FROM products p`;
  let rows = `${select} WHERE ${w.sql()} ORDER BY p.${col}, p.id LIMIT $1`;
  if (candidates.length > 0) {
    const ctes = candidates.map((sql, i) => `c${i} AS MATERIALIZED (${sql})`).join(', ');
    const few = candidates.map((_, i) => `(SELECT count(*) FROM c${i}) <= ${cap}`).join(' AND ');
    const ids = candidates.map((_, i) => `SELECT id FROM c${i}`).join(' UNION ');
    // Sorted by an expression no index provides, so the few candidates are the plan, not a read in order.
    rows = `WITH ${ctes}
      (${select} WHERE ${few} AND p.id IN (${ids}) AND ${w.sql()} ORDER BY p.${col} + interval '0 seconds', p.id LIMIT $1)
      UNION ALL
      (${select} WHERE NOT (${few}) AND ${w.sql()} ORDER BY p.${col}, p.id LIMIT $1)`;
  }
  // The page's rows first, then their JSON: links and states are built for the page only.
  return queryPage(tx, pageSql(rows, 'p', `p.${col}, p.id`, PRODUCT_JSON, PRODUCT_LINKS), w.params, byUpdate ? 'products-updated' : 'products');
}

export async function getProduct(tx: Queryable, tenantId: string, id: string): Promise<ProductDetail | null> {
  const { rows } = await tx.query<{ item: ProductView; stock: StockAtLocation[]; field_meta: unknown; conflicts: ConflictSummary[] }>(
    `SELECT ${PRODUCT_JSON} AS item, p.field_meta,
            coalesce((SELECT json_agg(json_build_object('id', s.id, 'locationId', s.location_id, 'available', s.available, 'reserved', s.reserved,
                                                        'announced', s.announced, 'updatedAt', ${isoSql('s.updated_at')}) ORDER BY s.location_id, s.id)
                        FROM stock_levels s WHERE s.tenant_id = p.tenant_id AND s.product_id = p.id), '[]'::json) AS stock,
            coalesce((SELECT json_agg(json_build_object('id', k.id, 'field', k.field, 'localOrigin', k.local_origin, 'remoteOrigin', k.remote_origin,
                                                        'localAt', ${isoSql('k.local_at')}, 'remoteAt', ${isoSql('k.remote_at')}, 'createdAt', ${isoSql('k.created_at')})
                                      ORDER BY k.created_at, k.id)
                        FROM conflicts k WHERE k.tenant_id = p.tenant_id AND k.product_id = p.id AND k.status = 'open'), '[]'::json) AS conflicts
       FROM products p ${PRODUCT_LINKS} WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL`,
    [tenantId, id],
  );
  const r = rows[0];
  if (!r) return null;
  return { ...r.item, stock: r.stock, fieldMeta: fieldMeta(r.field_meta), conflicts: r.conflicts };
}

/** products.field_meta as stored ({field: {origin, at}}), keeping only entries of that shape. */
function fieldMeta(stored: unknown): ProductDetail['fieldMeta'] {
  const out: ProductDetail['fieldMeta'] = {};
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return out;
  for (const [field, meta] of Object.entries(stored as Record<string, unknown>)) {
    if (!meta || typeof meta !== 'object') continue;
    const { origin, at } = meta as { origin?: unknown; at?: unknown };
    out[field] = { origin: typeof origin === 'string' ? origin : null, at: typeof at === 'string' ? at : null };
  }
  return out;
}

export interface SyncStatusTotals {
  total: number;
  synced: number;
  pending: number;
  conflict: number;
  error: number;
  /**
   * Live products without a SKU: a platform record without one is linked by its external id only and
   * never merged with another platform's (not by name either), so each stays a product of its own.
   */
  unmatched: number;
  /** The latest successful pull of a product stream of any of the tenant's connections. */
  lastSyncAt: string | null;
}

/**
 * The tenant's live products counted by sync status (the rules at the top of this file): each product
 * counts once, under its first status of error, conflict, pending; the rest are synced.
 */
export async function syncStatusTotals(tx: Queryable, tenantId: string): Promise<SyncStatusTotals> {
  const live = (alias: string) => `JOIN products ${alias} ON ${alias}.tenant_id = $1 AND ${alias}.id = `;
  const { rows } = await tx.query<{ total: number; unmatched: number; error: number; conflict: number; pending: number; last_sync_at: string | null }>(
    `WITH errored AS (
       SELECT l.hub_id AS id FROM dead_letters d
         JOIN links l ON l.tenant_id = d.tenant_id AND l.connection_id = d.connection_id AND l.entity = 'product'
                     AND l.external_id = d.external_id AND l.deleted_at IS NULL
         ${live('lp')}l.hub_id AND lp.deleted_at IS NULL
        WHERE d.tenant_id = $1 AND d.status = 'open' AND (d.stream IN (${STREAMS_SQL}) OR d.kind = 'push')
       UNION SELECT id FROM products WHERE tenant_id = $1 AND sync_status = 'ERROR' AND deleted_at IS NULL),
     conflicted AS (
       (SELECT k.product_id AS id FROM conflicts k ${live('kp')}k.product_id AND kp.deleted_at IS NULL WHERE k.tenant_id = $1 AND k.status = 'open'
        UNION SELECT id FROM products WHERE tenant_id = $1 AND sync_status = 'CONFLICT' AND deleted_at IS NULL)
       EXCEPT SELECT id FROM errored),
     pending AS (
       SELECT id FROM products WHERE tenant_id = $1 AND sync_status = 'PENDING' AND deleted_at IS NULL
       EXCEPT SELECT id FROM errored EXCEPT SELECT id FROM conflicted)
     SELECT (SELECT count(*) FROM products WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS total,
            (SELECT count(*) FROM products WHERE tenant_id = $1 AND deleted_at IS NULL AND sku IS NULL AND data->>'sku' IS NULL)::int AS unmatched,
            (SELECT count(*) FROM errored)::int AS error,
            (SELECT count(*) FROM conflicted)::int AS conflict,
            (SELECT count(*) FROM pending)::int AS pending,
            (SELECT ${isoSql('max(last_success_at)')} FROM stream_state WHERE tenant_id = $1 AND stream IN (${STREAMS_SQL})) AS last_sync_at`,
    [tenantId],
  );
  const r = rows[0]!;
  return { total: r.total, synced: r.total - r.error - r.conflict - r.pending, pending: r.pending, conflict: r.conflict, error: r.error, unmatched: r.unmatched, lastSyncAt: r.last_sync_at };
}
