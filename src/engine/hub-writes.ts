// Set-based upserts of changed records into the hub tables, one statement per entity per page.
// Each returns the writes with their hub id resolved (existing link, a matching SKU, or a new id).
// Products are the exception: their rows are written by the statement that writes the links and the
// audit log (apply.ts), which saves a statement and a payload per page of a catalog import.
import { timeOrderedUuid } from '../core/ids.js';
import type { CatalogItemRecord, CustomerRecord, OrderRecord, ProductRecord } from '../core/records.js';
import type { Queryable } from '../store/db.js';
import { mergeProductWrites, type PageMerge } from './product-merge.js';

export interface HubWrite<R> {
  /** recordKey: the external id (stock: product@location). */
  key: string;
  record: R;
  hash: string;
  hubId: string | null;
  isNew: boolean;
  /** A link row exists for the key (live or soft-deleted); false = the link is inserted fresh. */
  linked: boolean;
  /** A product record that is our own push coming back: these (pushed) fields are not merged. */
  echoOf?: readonly string[];
  /** Product fields as read now (fieldHashes), kept on the link for the next read. */
  pulledFields?: Record<string, string>;
  /** Product fields equal to the link's last read: the platform did not change them, they are not merged. */
  unchangedFields?: readonly string[];
}

interface Ctx {
  tenantId: string;
  connectionId: string;
  origin: string;
  runId?: string | null;
}

const json = (v: unknown) => JSON.stringify(v);

/** Record fields that are hub data (identity and timestamps live on the link). */
function productData(r: ProductRecord): Record<string, unknown> {
  const { entity: _e, externalId: _x, parentExternalId: _p, remoteUpdatedAt: _u, platformIds: _i, ...data } = r;
  return data;
}

/**
 * The hub side of a statement that also writes the links and the audit log (apply.ts): extra
 * columns of its record set `r` (one row per write) and CTEs inserting from `r`, which may use $1
 * (the tenant) and $7 (the origin) of that statement.
 */
export interface HubStatementPart {
  columns: string;
  ctes: string;
}

/**
 * Resolves the hub id of every product write and returns each write's fields of PRODUCTS_PART. A
 * record keeps the hub product its link names. A record seen for the first time joins the live hub
 * product with its SKU (the SKU is the sellable unit across platforms) unless another record of the
 * same connection is already linked to that product: shops do not enforce unique SKUs, and two
 * variants of one shop are two sellable units with stock of their own, so the second becomes a hub
 * product of its own, its SKU kept in `data` but not in the unique `sku` column. Likewise a record
 * whose SKU changes to one another live product holds keeps its SKU column as it was. Records
 * without a SKU are linked by their external id only, never merged. A new id belongs to no row
 * yet, so its row takes a plain INSERT; the others are upserts.
 */
export async function prepareProducts(tx: Queryable, ctx: Ctx, writes: HubWrite<ProductRecord>[]): Promise<{ rows: Record<string, unknown>[]; merged: PageMerge }> {
  const skus = [...new Set(writes.map((w) => w.record.sku).filter((s): s is string => !!s))];
  const holder = new Map<string, { id: string; linkedHere: Set<string> }>();
  if (skus.length > 0) {
    const { rows } = await tx.query<{ id: string; sku: string; linked: string[] | null }>(
      `SELECT p.id, p.sku, array_agg(l.external_id) FILTER (WHERE l.external_id IS NOT NULL) AS linked
         FROM products p
         LEFT JOIN links l ON l.tenant_id = p.tenant_id AND l.hub_id = p.id AND l.connection_id = $3 AND l.entity = 'product' AND l.deleted_at IS NULL
        WHERE p.tenant_id = $1 AND p.sku = ANY($2::text[]) AND p.deleted_at IS NULL
        GROUP BY p.id, p.sku`,
      [ctx.tenantId, skus, ctx.connectionId],
    );
    for (const r of rows) holder.set(r.sku, { id: r.id, linkedHere: new Set(r.linked ?? []) });
  }
  const minted = new Set<string>();
  const skuColumn = new Map<HubWrite<ProductRecord>, string | null>();
  for (const w of writes) {
    const sku = w.record.sku ?? null;
    const held = sku ? holder.get(sku) : undefined;
    if (!w.hubId) {
      if (held && [...held.linkedHere].every((key) => key === w.key)) {
        w.hubId = held.id;
        held.linkedHere.add(w.key);
        skuColumn.set(w, sku);
        continue;
      }
      w.hubId = timeOrderedUuid();
      minted.add(w.hubId);
      // A SKU another record of this connection holds stays out of the unique column.
      skuColumn.set(w, held ? null : sku);
      if (sku && !held) holder.set(sku, { id: w.hubId, linkedHere: new Set([w.key]) });
      continue;
    }
    // null keeps the column as it is (the upsert coalesces).
    skuColumn.set(w, sku && held && held.id !== w.hubId ? null : sku);
    if (sku && !held) holder.set(sku, { id: w.hubId, linkedHere: new Set([w.key]) });
  }
  // Field by field through the one merge (product-merge.ts). A hub row is written once per statement:
  // when two records of the page resolve to one product, its last write carries both their patches.
  const merged = await mergeProductWrites(tx, ctx, writes, minted, (w) => productData(w.record));
  const lastWrite = new Map(writes.map((w, i) => [w.hubId!, i]));
  const rows = writes.map((w, i) => {
    const m = merged.writes[i]!;
    const isNew = minted.has(w.hubId!);
    return {
      write_row: lastWrite.get(w.hubId!) === i,
      minted: isNew,
      // The sku and name columns follow the merged fields: a refused SKU change leaves the column alone.
      sku: isNew || 'sku' in m.data ? (skuColumn.get(w) ?? null) : null,
      name: 'name' in m.data ? ((m.data.name as string | null) ?? null) : null,
      group_key: w.record.group?.externalId ?? w.record.parentExternalId ?? null,
      group_title: w.record.group?.title ?? null,
      data: m.data,
      field_meta: m.fieldMeta,
      changes: m.changes,
    };
  });
  return { rows, merged };
}

export const PRODUCTS_PART: HubStatementPart = {
  columns: 'write_row boolean, minted boolean, sku text, name text, group_key text, group_title text, data jsonb, field_meta jsonb',
  ctes: `
       products_minted AS (
         INSERT INTO products (id, tenant_id, sku, name, group_key, group_title, data, content_hash, field_meta, last_updated_by)
         SELECT r.hub_id, $1, r.sku, r.name, r.group_key, r.group_title, r.data, r.hash, r.field_meta, $7 FROM r WHERE r.minted AND r.write_row),
       products_known AS (
         INSERT INTO products (id, tenant_id, sku, name, group_key, group_title, data, content_hash, field_meta, last_updated_by)
         SELECT r.hub_id, $1, r.sku, r.name, r.group_key, r.group_title, r.data, r.hash, r.field_meta, $7 FROM r WHERE NOT r.minted AND r.write_row
         ON CONFLICT (id) DO UPDATE
            SET sku = coalesce(EXCLUDED.sku, products.sku), name = coalesce(EXCLUDED.name, products.name),
                group_key = coalesce(EXCLUDED.group_key, products.group_key), group_title = coalesce(EXCLUDED.group_title, products.group_title),
                data = products.data || EXCLUDED.data, content_hash = EXCLUDED.content_hash,
                field_meta = products.field_meta || EXCLUDED.field_meta, last_updated_by = EXCLUDED.last_updated_by,
                -- A write that changes what a client reads bumps the version (migration 013): a hub edit based
                -- on a read from before it gets a 409. An echo or an unchanged record does not, or a merchant's
                -- edit would be refused for a change they cannot see.
                updated_at = now(), deleted_at = NULL,
                version = products.version + CASE
                  WHEN products.deleted_at IS NOT NULL
                    OR products.data || EXCLUDED.data IS DISTINCT FROM products.data
                    OR coalesce(EXCLUDED.sku, products.sku) IS DISTINCT FROM products.sku
                    OR coalesce(EXCLUDED.name, products.name) IS DISTINCT FROM products.name
                    OR coalesce(EXCLUDED.group_key, products.group_key) IS DISTINCT FROM products.group_key
                    OR coalesce(EXCLUDED.group_title, products.group_title) IS DISTINCT FROM products.group_title
                  THEN 1 ELSE 0 END)`,
};

export async function upsertCustomers(tx: Queryable, ctx: Ctx, writes: HubWrite<CustomerRecord>[]): Promise<HubWrite<CustomerRecord>[]> {
  for (const w of writes) w.hubId ??= timeOrderedUuid();
  const rows = writes.map((w) => {
    const { entity: _e, externalId: _x, remoteUpdatedAt: _u, ...data } = w.record;
    return { id: w.hubId, email: w.record.email ?? null, first_name: w.record.firstName ?? null, last_name: w.record.lastName ?? null, data, hash: w.hash };
  });
  await tx.query(
    `INSERT INTO customers (id, tenant_id, email, first_name, last_name, data, content_hash)
     SELECT r.id, $1, r.email, r.first_name, r.last_name, r.data, r.hash
       FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, email text, first_name text, last_name text, data jsonb, hash text)
     ON CONFLICT (id) DO UPDATE
        SET email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
            data = EXCLUDED.data, content_hash = EXCLUDED.content_hash, updated_at = now(), deleted_at = NULL`,
    [ctx.tenantId, json(rows)],
  );
  return writes;
}

export async function upsertCatalogItems(tx: Queryable, ctx: Ctx, writes: HubWrite<CatalogItemRecord>[]): Promise<HubWrite<CatalogItemRecord>[]> {
  const rows = writes.map((w) => {
    const { entity: _e, remoteUpdatedAt: _u, ...data } = w.record;
    return {
      id: w.hubId ?? timeOrderedUuid(),
      external_id: w.record.externalId,
      product_external_id: w.record.productExternalId,
      product_name: w.record.productName ?? null,
      variant_name: w.record.variantName ?? null,
      price: w.record.price ?? null,
      currency: w.record.currency ?? null,
      in_stock: w.record.inStock ?? null,
      data,
      hash: w.hash,
    };
  });
  const { rows: ids } = await tx.query<{ id: string; external_id: string }>(
    `INSERT INTO catalog_items (id, tenant_id, connection_id, external_id, product_external_id, product_name, variant_name, price, currency, in_stock, data, content_hash)
     SELECT r.id, $1, $2, r.external_id, r.product_external_id, r.product_name, r.variant_name, r.price, r.currency, r.in_stock, r.data, r.hash
       FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, external_id text, product_external_id text, product_name text, variant_name text,
                                               price numeric, currency text, in_stock boolean, data jsonb, hash text)
     ON CONFLICT (connection_id, external_id) DO UPDATE
        -- A field the record leaves out keeps its value (a webhook carrying only availability must not
        -- blank the price); a field it sets to null is cleared.
        SET product_external_id = EXCLUDED.product_external_id,
            product_name = CASE WHEN EXCLUDED.data ? 'productName' THEN EXCLUDED.product_name ELSE catalog_items.product_name END,
            variant_name = CASE WHEN EXCLUDED.data ? 'variantName' THEN EXCLUDED.variant_name ELSE catalog_items.variant_name END,
            price = CASE WHEN EXCLUDED.data ? 'price' THEN EXCLUDED.price ELSE catalog_items.price END,
            currency = CASE WHEN EXCLUDED.data ? 'currency' THEN EXCLUDED.currency ELSE catalog_items.currency END,
            in_stock = CASE WHEN EXCLUDED.data ? 'inStock' THEN EXCLUDED.in_stock ELSE catalog_items.in_stock END,
            data = catalog_items.data || EXCLUDED.data, content_hash = EXCLUDED.content_hash,
            updated_at = now(), deleted_at = NULL
     RETURNING id, external_id`,
    [ctx.tenantId, ctx.connectionId, json(rows)],
  );
  const idByExternal = new Map(ids.map((r) => [r.external_id, r.id]));
  for (const w of writes) w.hubId = idByExternal.get(w.record.externalId) ?? w.hubId;
  return writes;
}

export async function upsertOrders(tx: Queryable, ctx: Ctx, writes: HubWrite<OrderRecord>[]): Promise<HubWrite<OrderRecord>[]> {
  for (const w of writes) w.hubId ??= timeOrderedUuid();
  const customerIds = [...new Set(writes.map((w) => w.record.customer?.externalId).filter((x): x is string => !!x))];
  const customer = new Map<string, string>();
  if (customerIds.length > 0) {
    const { rows } = await tx.query<{ external_id: string; hub_id: string }>(
      `SELECT external_id, hub_id FROM links WHERE tenant_id = $1 AND connection_id = $2 AND entity = 'customer'
          AND external_id = ANY($3::text[]) AND deleted_at IS NULL`,
      [ctx.tenantId, ctx.connectionId, customerIds],
    );
    for (const r of rows) customer.set(r.external_id, r.hub_id);
  }
  const rows = writes.map((w) => {
    const { entity: _e, externalId: _x, remoteUpdatedAt: _u, lines: _l, ...data } = w.record;
    return {
      id: w.hubId,
      customer_id: (w.record.customer?.externalId && customer.get(w.record.customer.externalId)) || null,
      number: w.record.number ?? null,
      status: w.record.status ?? null,
      financial_status: w.record.financialStatus ?? null,
      fulfillment_status: w.record.fulfillmentStatus ?? null,
      currency: w.record.currency ?? null,
      total: w.record.totals?.total ?? null,
      placed_at: w.record.placedAt ?? null,
      data,
      hash: w.hash,
    };
  });
  await tx.query(
    `INSERT INTO orders (id, tenant_id, customer_id, number, status, financial_status, fulfillment_status, currency, total, placed_at, data, content_hash)
     SELECT r.id, $1, r.customer_id, r.number, r.status, r.financial_status, r.fulfillment_status, r.currency, r.total, r.placed_at, r.data, r.hash
       FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, customer_id uuid, number text, status text, financial_status text, fulfillment_status text,
                                               currency text, total numeric, placed_at timestamptz, data jsonb, hash text)
     ON CONFLICT (id) DO UPDATE
        SET customer_id = coalesce(EXCLUDED.customer_id, orders.customer_id), number = EXCLUDED.number, status = EXCLUDED.status,
            financial_status = EXCLUDED.financial_status, fulfillment_status = EXCLUDED.fulfillment_status,
            currency = EXCLUDED.currency, total = EXCLUDED.total, placed_at = EXCLUDED.placed_at, data = EXCLUDED.data,
            content_hash = EXCLUDED.content_hash, updated_at = now(), deleted_at = NULL`,
    [ctx.tenantId, json(rows)],
  );
  // Lines are replaced as a whole: a changed order's line set is its new truth. Only an order that
  // had a link can have lines; one without got its id just now.
  const ids = writes.filter((w) => w.linked).map((w) => w.hubId);
  if (ids.length > 0) await tx.query('DELETE FROM order_lines WHERE tenant_id = $1 AND order_id = ANY($2::uuid[])', [ctx.tenantId, ids]);
  const lines = writes.flatMap((w) =>
    w.record.lines.map((l, i) => ({
      order_id: w.hubId,
      line_no: i + 1,
      external_id: l.externalId,
      sku: l.sku ?? null,
      name: l.name ?? null,
      quantity: l.quantity,
      unit_price: l.unitPrice ?? null,
      total: l.total ?? null,
    })),
  );
  if (lines.length > 0) {
    await tx.query(
      `INSERT INTO order_lines (tenant_id, order_id, line_no, external_id, sku, product_id, name, quantity, unit_price, total)
       SELECT $1, r.order_id, r.line_no, r.external_id, r.sku,
              (SELECT p.id FROM products p WHERE p.tenant_id = $1 AND p.sku = r.sku AND p.deleted_at IS NULL LIMIT 1),
              r.name, r.quantity, r.unit_price, r.total
         FROM jsonb_to_recordset($2::jsonb) AS r(order_id uuid, line_no int, external_id text, sku text, name text,
                                                 quantity int, unit_price numeric, total numeric)`,
      [ctx.tenantId, json(lines)],
    );
  }
  return writes;
}
