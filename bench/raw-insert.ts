// The ingest ceilings: the rows a pull stores, inserted with one set-based statement per batch and
// one transaction per batch, with nothing else around them (no HTTP, no mapping or hashing, no
// lookups, no checkpoint, no progress, no row-level-security switch). Two of them:
//   * `full` — every row the engine stores per record: the hub product, its link (the mapping the
//     data model requires, DESIGN.md 3) and its audit line, in one statement;
//   * `products` — the hub product rows alone, the bare minimum a database write of the data costs.
import { randomUUID } from 'node:crypto';
import { recordHash } from '../src/engine/apply.js';
import { mapPage } from '../src/engine/pull.js';
import type { Stream } from '../src/connectors/types.js';
import type { ProductRecord } from '../src/core/records.js';
import type { Db } from '../src/store/db.js';
import { createTenant } from '../src/store/tenants.js';
import { testConnector } from '../test/helpers/test-connector.js';
import type { SourceRecord } from '../test/helpers/test-source.js';

export interface RawRow {
  id: string;
  link_id: string;
  external_id: string;
  sku: string | null;
  name: string | null;
  group_key: string | null;
  group_title: string | null;
  data: Record<string, unknown>;
  field_meta: Record<string, { origin: string; at: string }>;
  hash: string;
}

const ORIGIN = 'woocommerce';

/**
 * Maps and hashes the source records exactly as a pull does, ahead of time: the ceiling is the
 * database's, so the JavaScript work of building rows is kept out of its timing.
 */
export function buildRawRows(items: SourceRecord[]): RawRow[] {
  const stream = testConnector().streams[0] as Stream<unknown, unknown, unknown>;
  const { records, invalid } = mapPage(stream, items);
  if (invalid.length > 0) throw new Error(`${invalid.length} source records did not map: ${invalid[0]?.reason}`);
  const at = new Date().toISOString();
  return records.map((r) => {
    const p = r as ProductRecord;
    const { entity: _e, externalId: _x, parentExternalId: _p, remoteUpdatedAt: _u, ...data } = p;
    const meta: RawRow['field_meta'] = {};
    for (const k of Object.keys(data)) meta[k] = { origin: ORIGIN, at };
    return {
      id: randomUUID(),
      link_id: randomUUID(),
      external_id: p.externalId,
      sku: p.sku ?? null,
      name: p.name ?? null,
      group_key: p.group?.externalId ?? p.parentExternalId ?? null,
      group_title: p.group?.title ?? null,
      data,
      field_meta: meta,
      hash: recordHash(p),
    };
  });
}

export type Ceiling = 'full' | 'products';

const RECORDSET = `jsonb_to_recordset($3::jsonb) AS r(id uuid, link_id uuid, external_id text, sku text, name text, group_key text, group_title text,
                                                      data jsonb, field_meta jsonb, hash text)`;

// The same columns, and the same jsonb_to_recordset shape, as the engine's products upsert; a
// plain INSERT because every row is new (the engine's ON CONFLICT never fires on a first pull).
const PRODUCTS_SQL = `INSERT INTO products (id, tenant_id, sku, name, group_key, group_title, data, content_hash, field_meta, last_updated_by)
  SELECT r.id, $1, r.sku, r.name, r.group_key, r.group_title, r.data, r.hash, r.field_meta, $2 FROM ${RECORDSET}`;

// Products, links and audit lines from one payload, as plain INSERTs ($4: the connection).
const FULL_SQL = `WITH r AS MATERIALIZED (SELECT * FROM ${RECORDSET}),
  p AS (INSERT INTO products (id, tenant_id, sku, name, group_key, group_title, data, content_hash, field_meta, last_updated_by)
        SELECT r.id, $1, r.sku, r.name, r.group_key, r.group_title, r.data, r.hash, r.field_meta, $2 FROM r),
  l AS (INSERT INTO links (id, tenant_id, entity, hub_id, connection_id, external_id, last_pulled_hash)
        SELECT r.link_id, $1, 'product', r.id, $4, r.external_id, r.hash FROM r)
  INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action)
  SELECT $1, 'product', r.id, $4, 'pull', $2, 'create' FROM r`;

/**
 * Inserts `rows` for `tenantId` in batches of `batchSize`, each its own transaction. Serialising a
 * batch to its jsonb parameter is counted: a client has to do that to send it. The ids are fresh
 * each call so the same rows can be inserted again under another tenant. `connectionId` owns the
 * links of the `full` ceiling.
 */
export async function rawInsert(
  db: Db,
  target: { tenantId: string; connectionId: string; ceiling: Ceiling },
  rows: RawRow[],
  batchSize: number,
): Promise<{ ms: number }> {
  const fresh = rows.map((r) => ({ ...r, id: randomUUID(), link_id: randomUUID() }));
  const sql = target.ceiling === 'full' ? FULL_SQL : PRODUCTS_SQL;
  const started = performance.now();
  for (let i = 0; i < fresh.length; i += batchSize) {
    const payload = JSON.stringify(fresh.slice(i, i + batchSize));
    const params = target.ceiling === 'full' ? [target.tenantId, ORIGIN, payload, target.connectionId] : [target.tenantId, ORIGIN, payload];
    await db.transaction((tx) => tx.query(sql, params));
  }
  return { ms: performance.now() - started };
}

/** A tenant with a bare connection row for the raw inserts' links (no credentials are ever used). */
export async function rawTarget(db: Db, tenantName: string): Promise<{ tenantId: string; connectionId: string }> {
  const { tenant } = await db.transaction((tx) => createTenant(tx, tenantName));
  const connectionId = randomUUID();
  await db.query(`INSERT INTO connections (id, tenant_id, platform, name, credentials_enc) VALUES ($1, $2, 'woocommerce', 'raw-insert', 'unused')`, [
    connectionId,
    tenant.id,
  ]);
  return { tenantId: tenant.id, connectionId };
}

export async function countTenantProducts(db: Db, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE tenant_id = $1 AND deleted_at IS NULL', [tenantId]);
  return rows[0]?.n ?? 0;
}
