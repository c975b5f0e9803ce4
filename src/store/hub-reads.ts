// Shared parts of the hub read API (products, orders, customers, stock; see hub-reads-*.ts): cursors
// bound to the list and order they came from, a WHERE builder, and SQL that renders values the way
// the API shows them. A page's items are built as JSON by the database (pageSql).
//
// Every condition these reads put on a table column uses leakproof operators only (=, <, the
// byte-wise ~>=~ / ~<~ of text_pattern_ops) on plain or stored generated columns: the reads run under
// row-level security, where any other condition cannot be an index condition (migration 011).
import { canonicalUuid } from '../core/ids.js';
import type { Queryable } from './db.js';
import { decodeCursor, encodeCursor, type Keyset } from './paging.js';

/**
 * Which list and order a cursor belongs to. A cursor of one list passed to another (or of the
 * products list by creation passed with updatedSince) is refused instead of silently starting
 * from a position that means something else.
 */
export type CursorKind = 'products' | 'products-updated' | 'orders' | 'customers';

const TAGS: Record<CursorKind, string> = { products: 'p', 'products-updated': 'pu', orders: 'o', customers: 'c' };

/** paging.ts's [timestamp, id] cursor with its list's tag in front. */
export function encodeHubCursor(kind: CursorKind, k: Keyset): string {
  return `${TAGS[kind]}.${encodeCursor(k)}`;
}

/** null for anything encodeHubCursor did not write for this kind of list (the route answers 400). */
export function decodeHubCursor(kind: CursorKind, cursor: string): Keyset | null {
  const dot = cursor.indexOf('.');
  if (dot < 0 || cursor.slice(0, dot) !== TAGS[kind]) return null;
  return decodeCursor(cursor.slice(dot + 1));
}

/** A cursor that is only a row id (stock pages in id order). */
export function encodeIdCursor(id: string): string {
  return `s.${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** null for anything encodeIdCursor did not write. */
export function decodeIdCursor(cursor: string): string | null {
  if (!cursor.startsWith('s.')) return null;
  return canonicalUuid(Buffer.from(cursor.slice(2), 'base64url').toString('utf8'));
}

/** A page as the API sends it: the items as JSON text written by the database, and the next cursor. */
export interface JsonPage {
  itemsJson: string;
  nextCursor: string | null;
}

/**
 * One statement for a page. `rows` selects up to $1 rows (the page size + 1) of alias `a`, with
 * `cursor_ts` and `id`; the items are built as JSON (`item`, with `joins`) for the first $1 - 1 only,
 * in `order`, and aggregated into one text value by the database, which goes into the answer as it
 * is: no decoding, validating and re-encoding of a hundred nested items in this process, which on
 * PGlite shares one thread with the database. The extra row only says there is a next page; the
 * cursor is the last kept row's position.
 */
export function pageSql(rows: string, a: string, order: string, item: string, joins = ''): string {
  return `WITH page AS MATERIALIZED (SELECT ${a}.*, row_number() OVER (ORDER BY ${order}) AS n FROM (${rows}) ${a})
    SELECT coalesce((SELECT json_agg(${item} ORDER BY ${a}.n) FROM page ${a} ${joins} WHERE ${a}.n < $1), '[]'::json)::text AS items,
           (SELECT json_build_array(${a}.cursor_ts, ${a}.id)::text FROM page ${a}
             WHERE ${a}.n = $1 - 1 AND EXISTS (SELECT 1 FROM page e WHERE e.n = $1)) AS last`;
}

/** Runs a pageSql statement; `kind` names the cursor it hands out ('stock': a row id). */
export async function queryPage(tx: Queryable, sql: string, params: unknown[], kind: CursorKind | 'stock'): Promise<JsonPage> {
  const { rows } = await tx.query<{ items: string; last: string | null }>(sql, params);
  const r = rows[0];
  if (!r?.last) return { itemsJson: r?.items ?? '[]', nextCursor: null };
  const [ts, id] = JSON.parse(r.last) as [string, string];
  return { itemsJson: r.items, nextCursor: kind === 'stock' ? encodeIdCursor(id) : encodeHubCursor(kind, { createdAt: ts, id }) };
}

/** Conditions and their parameters; `$1` and `$2` are the page size and the tenant by convention. */
export class Where {
  readonly params: unknown[];
  private readonly parts: string[] = [];

  constructor(limit: number, tenantId: string, ...base: string[]) {
    this.params = [limit, tenantId];
    this.parts.push(...base);
  }

  /** Adds a parameter; returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(sql: string): void {
    this.parts.push(sql);
  }

  /**
   * A keyset condition: rows after (ascending) or before (descending) the cursor's position in the
   * order of `column, id`. A row comparison of plain columns is an index condition.
   */
  after(alias: string, column: string, k: Keyset | null | undefined, dir: 'asc' | 'desc' = 'asc'): void {
    if (!k) return;
    this.add(`(${alias}.${column}, ${alias}.id) ${dir === 'asc' ? '>' : '<'} (${this.param(k.createdAt)}::timestamptz, ${this.param(k.id)}::uuid)`);
  }

  sql(): string {
    return this.parts.join(' AND ');
  }
}

/**
 * Rows whose `column` (a lower-cased stored column) starts with the prefix in `placeholder`, in any
 * letter case: a range of the byte-wise text_pattern_ops order, [prefix, prefix + U+10FFFF). Only a
 * value continuing the prefix with U+10FFFF itself (a noncharacter) falls outside it.
 */
export const prefixSql = (column: string, placeholder: string) =>
  `(${column} ~>=~ lower(${placeholder}) AND ${column} ~<~ (lower(${placeholder}) || chr(1114111)))`;

/** A timestamp as ISO 8601 in UTC with milliseconds (what Date.toISOString() writes); NULL stays NULL. */
export const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Money as a decimal string with its significant decimals, at least two (numeric(14,4) stores 12.5 as 12.5000). */
export const moneySql = (column: string) =>
  `CASE WHEN ${column} IS NULL THEN NULL WHEN scale(trim_scale(${column})) < 2 THEN round(${column}, 2)::text ELSE trim_scale(${column})::text END`;

/** A member of a jsonb object when it has the given JSON type, else NULL (stored data is never trusted to have a shape). */
export const jsonOf = (expr: string, type: 'object' | 'array' | 'string' | 'boolean' | 'number') => `CASE WHEN jsonb_typeof(${expr}) = '${type}' THEN ${expr} END`;

/** The same, as text (a string member). */
export const textOf = (obj: string, key: string) => `CASE WHEN jsonb_typeof(${obj}->'${key}') = 'string' THEN ${obj}->>'${key}' END`;

/** A link (alias l, its connection c) as the API shows it: platform ids are strings, so ids beyond 2^53 keep every digit. */
export const LINK_FIELDS = `'connectionId', l.connection_id, 'platform', c.platform, 'connectionName', c.name,
  'externalId', l.external_id, 'parentExternalId', l.parent_external_id, 'platformIds', l.platform_ids,
  'remoteUpdatedAt', ${isoSql('l.remote_updated_at')}, 'lastChangedAt', ${isoSql('l.updated_at')}`;

/** Links (alias l) with their connections (alias c). */
export const LINKS_WITH_CONNECTION = 'links l JOIN connections c ON c.tenant_id = l.tenant_id AND c.id = l.connection_id';

/** The live links of hub record `hub` (an alias). */
export const liveLinksWhere = (entity: 'product' | 'order' | 'customer', hub: string) =>
  `l.tenant_id = ${hub}.tenant_id AND l.entity = '${entity}' AND l.hub_id = ${hub}.id AND l.deleted_at IS NULL`;

/** The live links of a hub record (alias `hub`) as a JSON array. */
export function linksJsonSql(entity: 'order' | 'customer', hub: string): string {
  return `coalesce((SELECT json_agg(json_build_object(${LINK_FIELDS}) ORDER BY l.created_at, l.id)
       FROM ${LINKS_WITH_CONNECTION} WHERE ${liveLinksWhere(entity, hub)}), '[]'::json)`;
}

const EXISTS_SQL = {
  connection: 'SELECT 1 FROM connections WHERE tenant_id = $1 AND id = $2',
  customer: 'SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
  product: 'SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
} as const;

/** Whether the tenant has this live record: a filter naming another tenant's (or none) is a 404, not an empty list. */
export async function hubRecordExists(tx: Queryable, kind: keyof typeof EXISTS_SQL, tenantId: string, id: string): Promise<boolean> {
  const { rows } = await tx.query(EXISTS_SQL[kind], [tenantId, id]);
  return rows.length > 0;
}
