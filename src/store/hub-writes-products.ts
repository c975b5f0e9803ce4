// Hub edits of products: create, edit and soft-delete a product in the hub (POST/PATCH/DELETE
// /api/v1/products, and later the CLI). Plain functions over a Db: each opens its own tenant-scoped
// transaction (row-level security checks the tenant a second time) and throws a catalogued SyncError
// (not_found, version_conflict, sku_taken) that the API and the CLI answer alike.
//
// - Provenance: every field a write sets gets field_meta[field] = {origin: 'hub', at}; the other
//   fields keep the origin that last set them. The row's last_updated_by becomes 'hub'.
// - Concurrency: products.version (migration 013) is incremented by every write, pulls included. An
//   edit names the version it was based on, and the check and the write are one statement (UPDATE ...
//   WHERE version = $n), so of two edits based on the same version exactly one succeeds, on PGlite
//   and on PostgreSQL alike; the other gets version_conflict with the product as it is now.
// - No ownership rules are applied: a hub edit is the merchant's own edit of any canonical field. Until
//   pushes and the merge exist, a later pull that changes the platform record writes its fields back.
//
// Input schemas are exported so every caller validates at its own edge (the routes through Fastify,
// the CLI by parsing); the functions trust typed input.
import { z } from 'zod';
import { SyncError } from '../core/errors.js';
import { timeOrderedUuid } from '../core/ids.js';
import { CountryCode, Money, type ProductField, ProductRecord } from '../core/records.js';
import type { Db, Queryable } from './db.js';
import { getProduct, type ProductDetail } from './hub-reads-products.js';
import { type FieldMeta, hubState, merge } from '../core/merge.js';
import { loadMergePolicy } from './field-ownership.js';

const text = (max: number) => z.string().max(max);
const clearable = <T extends z.ZodType>(s: T) => s.nullable().optional();
/** Tags and collections: Shopify's limits (250 tags of up to 255 characters). */
const words = z.array(z.string().min(1).max(255)).max(250);
/** Stock thresholds are compared with integer stock columns: keep them within int4. */
const count = z.int().min(0).max(2_147_483_647);
const image = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  alt: clearable(text(512)),
  position: z.int().min(0).max(10_000).optional(),
});

/** Required on create and never cleared: the SKU is the sellable unit, the one key that joins platform records to a hub product. */
const sku = z.string().min(1).max(255).regex(/\S/, 'must not be blank');
const name = z.string().min(1).max(255).regex(/\S/, 'must not be blank');

/**
 * The canonical product fields (core/records.ts: commerce, ops and shared fields) with the limits a hub
 * edit must respect. `satisfies` keeps this list equal to ProductField: a field added there fails the
 * type check here. Identity fields (externalId, group, platformIds, ...) belong to links, not to edits.
 * null clears a field (stored as null: "known to be empty", as pulls store it).
 */
const FIELDS = {
  price: clearable(Money),
  compareAtPrice: clearable(Money),
  taxable: clearable(z.boolean()),
  seoTitle: clearable(text(255)),
  seoDescription: clearable(text(1000)),
  tags: clearable(words),
  collections: clearable(words),
  productType: clearable(text(255)),
  vendor: clearable(text(255)),
  sku: sku.optional(),
  gtin: clearable(z.string().min(1).max(64)),
  dimensions: ProductRecord.shape.dimensions,
  weight: ProductRecord.shape.weight,
  packaging: clearable(text(1000)),
  hazmat: clearable(z.boolean()),
  warehouseNotes: clearable(text(5000)),
  storageLocation: clearable(text(255)),
  minStock: clearable(count),
  reorderPoint: clearable(count),
  customsCode: clearable(text(32)),
  countryOfOrigin: clearable(CountryCode),
  manufacturer: clearable(text(255)),
  name: name.optional(),
  description: clearable(text(100_000)),
  images: clearable(z.array(image).max(250)),
  isActive: clearable(z.boolean()),
} satisfies Record<ProductField, z.ZodType>;

/** A product to create: sku and name are required, every other canonical field optional. Unknown keys are refused. */
export const ProductCreateInput = z.strictObject({ ...FIELDS, sku, name });
export type ProductCreateInput = z.infer<typeof ProductCreateInput>;

/** The fields to change; the others keep their values and provenance. Unknown keys are refused. */
export const ProductPatchInput = z.strictObject(FIELDS);
export type ProductPatchInput = z.infer<typeof ProductPatchInput>;

/** A version as clients send it (If-Match or a body field). */
export const ProductVersion = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

type Fields = Partial<Record<ProductField, unknown>>;

/** The fields a write sets (keys present with a value or null; undefined = not set). */
function setFields(input: Fields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

function provenance(fields: Record<string, unknown>, at: string): Record<string, { origin: 'hub'; at: string }> {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, { origin: 'hub', at }]));
}

const notFound = (id: string) => new SyncError('not_found', `product ${id} not found`);

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Refuses a SKU another live product of the tenant has — in the unique `sku` column or only in its data
 * (a shop's second variant with the same SKU, hub-writes.ts). Case-sensitive, like the SKU filter of
 * GET /products. The unique index on the column still decides between two writes racing for a SKU.
 */
async function assertSkuFree(tx: Queryable, tenantId: string, value: string, self: string): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM products WHERE tenant_id = $1 AND deleted_at IS NULL AND sku_key = lower($2) AND coalesce(data->>'sku', sku) = $2 AND id <> $3 LIMIT 1`,
    [tenantId, value, self],
  );
  if (rows[0]) throw skuTaken(value, rows[0].id);
}

function skuTaken(value: string, holder?: string): SyncError {
  return new SyncError('sku_taken', `SKU "${value}" is already used by another product`, { details: holder ? { sku: value, productId: holder } : { sku: value } });
}

/** Runs a write; a unique violation (only the SKU index can raise one) is the catalogued sku_taken. */
async function write<T>(db: Db, tenantId: string, skuValue: string | undefined, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.withTenant(tenantId, fn);
  } catch (err) {
    if (isUniqueViolation(err) && skuValue !== undefined) throw skuTaken(skuValue);
    throw err;
  }
}

/** After a conditional write matched no row: the product is gone (404) or at another version (409, with its current state). */
async function refuse(tx: Queryable, tenantId: string, id: string, expectedVersion: number): Promise<never> {
  const current = await getProduct(tx, tenantId, id);
  if (!current) throw notFound(id);
  throw new SyncError('version_conflict', `product ${id} is at version ${current.version}, not ${expectedVersion}: read it again and re-apply the change`, {
    details: { expectedVersion, currentVersion: current.version, current },
  });
}

// The audit trail (sync_log, as pulls write it in apply.ts): direction 'api', origin 'hub', and per
// field {old, new}. Written by the same statement as the row, so neither exists without the other.
const LOG = `INSERT INTO sync_log (tenant_id, entity, hub_id, direction, origin, action, changes)`;

/** Creates a product in the hub. It has no links yet, so it is SYNCED: there is no platform to push it to. */
export async function createHubProduct(db: Db, tenantId: string, input: ProductCreateInput): Promise<ProductDetail> {
  const id = timeOrderedUuid();
  const fields = setFields(input);
  const changes = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { old: null, new: v }]));
  return write(db, tenantId, input.sku, async (tx) => {
    await assertSkuFree(tx, tenantId, input.sku, id);
    await tx.query(
      `WITH p AS (INSERT INTO products (id, tenant_id, sku, name, data, field_meta, last_updated_by)
                  VALUES ($2, $1, $3, $4, $5::jsonb, $6::jsonb, 'hub') RETURNING id)
       ${LOG} SELECT $1, 'product', p.id, 'api', 'hub', 'create', $7::jsonb FROM p`,
      [tenantId, id, input.sku, input.name, JSON.stringify(fields), JSON.stringify(provenance(fields, new Date().toISOString())), JSON.stringify(changes)],
    );
    return (await getProduct(tx, tenantId, id))!;
  });
}

/**
 * Sets the given fields of a live product, if it is still at `expectedVersion`. A product with live
 * links becomes PENDING: the hub now holds a change its platforms have not received. One without links
 * keeps its status (SYNCED for a product created in the hub): there is nothing to push it to, and
 * PENDING would count it as waiting for a push forever. CONFLICT stays: it waits for a resolution,
 * which an edit does not make.
 */
export async function updateHubProduct(db: Db, tenantId: string, id: string, patch: ProductPatchInput, expectedVersion: number): Promise<ProductDetail> {
  return write(db, tenantId, patch.sku, (tx) => updateHubProductIn(tx, tenantId, id, patch, expectedVersion));
}

/** updateHubProduct inside a transaction of the caller's (e.g. a conflict's resolution, with its own row). */
export async function updateHubProductIn(tx: Queryable, tenantId: string, id: string, patch: ProductPatchInput, expectedVersion: number): Promise<ProductDetail> {
  const requested = setFields(patch);
  if (Object.keys(requested).length === 0) throw new SyncError('validation_failed', 'set at least one field');
  // Through the one merge like every change (core/merge.ts): the hub writes every field and its edit is
  // the newest, so all is applied (or unchanged). The collisions it reports with the values being
  // replaced are not kept: a hub edit names the version it was based on, so its author saw those values.
  // A platform's edit made before it but delivered after it is the real conflict, and is recorded when
  // that delivery is merged (it loses, and the merge reports it).
  const { rows: current } = await tx.query<{ data: Record<string, unknown>; field_meta: Record<string, FieldMeta> }>(
    'SELECT data, field_meta FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE',
    [tenantId, id],
  );
  if (!current[0]) throw notFound(id);
  const policy = await loadMergePolicy(tx, tenantId);
  const at = new Date().toISOString();
  const merged = merge(hubState(current[0].data, current[0].field_meta), { origin: 'hub', fields: requested as Partial<Record<ProductField, unknown>>, at }, policy.ownership, { windowMs: policy.windowMs });
  if (merged.refused.length > 0) throw new SyncError('validation_failed', `the hub may not write ${merged.refused.join(', ')} (field ownership)`);
  const fields = Object.fromEntries(merged.applied.map((f) => [f, requested[f]]));
  const metas = Object.fromEntries([...merged.applied, ...merged.unchanged].map((f) => [f, merged.state.fieldMeta[f]]));
  const { rows } = await tx.query<{ id: string }>(
    `WITH prev AS MATERIALIZED (SELECT id, data FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL),
          u AS (
            UPDATE products p
               SET data = p.data || $3::jsonb, field_meta = p.field_meta || $4::jsonb,
                   sku = CASE WHEN $3::jsonb ? 'sku' THEN $3::jsonb->>'sku' ELSE p.sku END,
                   name = CASE WHEN $3::jsonb ? 'name' THEN $3::jsonb->>'name' ELSE p.name END,
                   sync_status = CASE WHEN p.sync_status = 'CONFLICT' THEN p.sync_status
                                      WHEN EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = p.tenant_id AND l.entity = 'product'
                                                      AND l.hub_id = p.id AND l.deleted_at IS NULL) THEN 'PENDING'
                                      ELSE p.sync_status END,
                   last_updated_by = 'hub', updated_at = now(), version = p.version + 1
              FROM prev
             WHERE p.tenant_id = $1 AND p.id = prev.id AND p.version = $5::bigint AND p.deleted_at IS NULL
            RETURNING p.id, prev.data AS old),
          log AS (${LOG}
            SELECT $1, 'product', u.id, 'api', 'hub', 'update',
                   (SELECT jsonb_object_agg(k, jsonb_build_object('old', u.old->k, 'new', $3::jsonb->k)) FROM jsonb_object_keys($3::jsonb) k)
              FROM u)
     SELECT id FROM u`,
    [tenantId, id, JSON.stringify(fields), JSON.stringify(metas), expectedVersion],
  );
  if (rows.length === 0) return refuse(tx, tenantId, id, expectedVersion);
  // After the write, in its transaction: a SKU only another product's data holds is not in the unique index.
  if (patch.sku !== undefined) await assertSkuFree(tx, tenantId, patch.sku, id);
  return (await getProduct(tx, tenantId, id))!;
}

/**
 * Soft-deletes a live product at `expectedVersion` (deleted_at; reads then answer 404 and lists leave it
 * out). Its links stay: until deletes are pushed, a platform that sends a change to the record brings the
 * product back, as a pull does for any soft-deleted row.
 */
export async function deleteHubProduct(db: Db, tenantId: string, id: string, expectedVersion: number): Promise<void> {
  await db.withTenant(tenantId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `WITH u AS (UPDATE products SET deleted_at = now(), updated_at = now(), last_updated_by = 'hub', version = version + 1
                   WHERE tenant_id = $1 AND id = $2 AND version = $3::bigint AND deleted_at IS NULL RETURNING id),
            log AS (${LOG} SELECT $1, 'product', u.id, 'api', 'hub', 'delete', '{}'::jsonb FROM u)
       SELECT id FROM u`,
      [tenantId, id, expectedVersion],
    );
    if (rows.length === 0) await refuse(tx, tenantId, id, expectedVersion);
  });
}
