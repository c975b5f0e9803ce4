// Hub orders and customers as the read API shows them. Orders list newest first by their date
// (`ordered_at`: placed on the platform, else first stored in the hub; migration 011), with their lines;
// customers in order of creation, one with their newest orders. Every query names the tenant;
// row-level security checks it a second time.
import type { Queryable } from './db.js';
import { cursorTimestampSql, type Keyset } from './paging.js';
import { isoSql, type JsonPage, jsonOf, linksJsonSql, moneySql, pageSql, queryPage, textOf, Where } from './hub-reads.js';
import type { LinkView } from './hub-reads-products.js';

export interface OrderLineView {
  lineNo: number;
  externalId: string | null;
  sku: string | null;
  productId: string | null;
  name: string | null;
  quantity: number;
  unitPrice: string | null;
  total: string | null;
}

export interface OrderSummary {
  id: string;
  number: string | null;
  status: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  currency: string | null;
  total: string | null;
  placedAt: string | null;
  orderedAt: string;
}

export interface OrderView extends OrderSummary {
  /** subtotal, tax, shipping, discount (vouchers and other reductions, positive), total: decimal strings. */
  totals: Record<string, string | null> | null;
  customerId: string | null;
  /** The buyer as the platform named it ({externalId, email}), linked or not to a hub customer. */
  customer: Record<string, unknown> | null;
  addresses: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  lines: OrderLineView[];
  links: LinkView[];
  /** Its outbounds at a fulfiller (JTL-FFN), with status and tracking (engine/fulfilments.ts). */
  fulfilments: FulfilmentView[];
}

export interface FulfilmentView {
  connectionId: string;
  externalId: string;
  status: string;
  warehouseId: string | null;
  shipments: Record<string, unknown>[];
  updatedAt: string;
}

export interface OrderFilter {
  connectionId?: string | undefined;
  status?: string | undefined;
  /** Inclusive lower bound of the order's date. */
  createdFrom?: string | undefined;
  /** Exclusive upper bound of the order's date. */
  createdTo?: string | undefined;
  customerId?: string | undefined;
}

const ORDER_SUMMARY_FIELDS = `'id', o.id, 'number', o.number, 'status', o.status, 'financialStatus', o.financial_status,
  'fulfillmentStatus', o.fulfillment_status, 'currency', o.currency, 'total', ${moneySql('o.total')},
  'placedAt', ${isoSql('o.placed_at')}, 'orderedAt', ${isoSql('o.ordered_at')}`;

const LINES_JSON = `coalesce((SELECT json_agg(json_build_object('lineNo', x.line_no, 'externalId', x.external_id, 'sku', x.sku, 'productId', x.product_id,
    'name', x.name, 'quantity', x.quantity, 'unitPrice', ${moneySql('x.unit_price')}, 'total', ${moneySql('x.total')}) ORDER BY x.line_no)
  FROM order_lines x WHERE x.order_id = o.id AND x.tenant_id = o.tenant_id), '[]'::json)`;

const FULFILMENTS_JSON = `coalesce((SELECT json_agg(json_build_object('connectionId', f.connection_id, 'externalId', f.external_id, 'status', f.status,
    'warehouseId', f.warehouse_id, 'shipments', f.shipments, 'updatedAt', ${isoSql('f.updated_at')}) ORDER BY f.created_at)
  FROM order_fulfilments f WHERE f.order_id = o.id AND f.tenant_id = o.tenant_id), '[]'::json)`;

/** An order row (alias o) as an OrderView. */
const ORDER_JSON = `json_build_object(${ORDER_SUMMARY_FIELDS},
  'totals', ${jsonOf("o.data->'totals'", 'object')}, 'customerId', o.customer_id,
  'customer', ${jsonOf("o.data->'customer'", 'object')}, 'addresses', ${jsonOf("o.data->'addresses'", 'object')},
  'createdAt', ${isoSql('o.created_at')}, 'updatedAt', ${isoSql('o.updated_at')},
  'lines', ${LINES_JSON}, 'links', ${linksJsonSql('order', 'o')}, 'fulfilments', ${FULFILMENTS_JSON})`;

function orderConditions(w: Where, f: OrderFilter): void {
  if (f.status !== undefined) w.add(`o.status = ${w.param(f.status)}`);
  if (f.customerId !== undefined) w.add(`o.customer_id = ${w.param(f.customerId)}::uuid`);
  if (f.createdFrom !== undefined) w.add(`o.ordered_at >= ${w.param(f.createdFrom)}::timestamptz`);
  if (f.createdTo !== undefined) w.add(`o.ordered_at < ${w.param(f.createdTo)}::timestamptz`);
  if (f.connectionId !== undefined) {
    w.add(`EXISTS (SELECT 1 FROM links cl WHERE cl.tenant_id = $2 AND cl.entity = 'order' AND cl.hub_id = o.id
                    AND cl.connection_id = ${w.param(f.connectionId)}::uuid AND cl.deleted_at IS NULL)`);
  }
}

/** A page of live orders, newest first, each with its lines and links. */
export async function listOrders(tx: Queryable, tenantId: string, f: OrderFilter & { limit: number; after?: Keyset | null }): Promise<JsonPage> {
  const w = new Where(f.limit + 1, tenantId, 'o.tenant_id = $2', 'o.deleted_at IS NULL');
  orderConditions(w, f);
  w.after('o', 'ordered_at', f.after, 'desc');
  const rows = `SELECT o.*, ${cursorTimestampSql('o.ordered_at')} AS cursor_ts FROM orders o WHERE ${w.sql()} ORDER BY o.ordered_at DESC, o.id DESC LIMIT $1`;
  return queryPage(tx, pageSql(rows, 'o', 'o.ordered_at DESC, o.id DESC', ORDER_JSON), w.params, 'orders');
}

export async function getOrder(tx: Queryable, tenantId: string, id: string): Promise<OrderView | null> {
  const { rows } = await tx.query<{ item: OrderView }>(`SELECT ${ORDER_JSON} AS item FROM orders o WHERE o.tenant_id = $1 AND o.id = $2 AND o.deleted_at IS NULL`, [tenantId, id]);
  return rows[0]?.item ?? null;
}

export interface CustomerView {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  tags: string[] | null;
  acceptsMarketing: boolean | null;
  addresses: Record<string, unknown>[] | null;
  createdAt: string;
  updatedAt: string;
  links: LinkView[];
}

export interface CustomerDetail extends CustomerView {
  /** The customer's newest orders, newest first, at most CUSTOMER_ORDERS_SHOWN. */
  orders: OrderSummary[];
  orderCount: number;
  ordersTruncated: boolean;
}

export const CUSTOMER_ORDERS_SHOWN = 100;

const CUSTOMER_JSON = `json_build_object(
  'id', u.id, 'email', u.email, 'firstName', u.first_name, 'lastName', u.last_name, 'phone', ${textOf('u.data', 'phone')},
  'tags', ${jsonOf("u.data->'tags'", 'array')}, 'acceptsMarketing', ${jsonOf("u.data->'acceptsMarketing'", 'boolean')},
  'addresses', ${jsonOf("u.data->'addresses'", 'array')},
  'createdAt', ${isoSql('u.created_at')}, 'updatedAt', ${isoSql('u.updated_at')}, 'links', ${linksJsonSql('customer', 'u')})`;

/** A page of live customers in order of creation; `email` matches exactly, in any letter case. */
export async function listCustomers(tx: Queryable, tenantId: string, f: { email?: string | undefined; limit: number; after?: Keyset | null }): Promise<JsonPage> {
  const w = new Where(f.limit + 1, tenantId, 'u.tenant_id = $2', 'u.deleted_at IS NULL');
  if (f.email !== undefined) w.add(`u.email_key = lower(${w.param(f.email)})`);
  w.after('u', 'created_at', f.after);
  const rows = `SELECT u.*, ${cursorTimestampSql('u.created_at')} AS cursor_ts FROM customers u WHERE ${w.sql()} ORDER BY u.created_at, u.id LIMIT $1`;
  return queryPage(tx, pageSql(rows, 'u', 'u.created_at, u.id', CUSTOMER_JSON), w.params, 'customers');
}

export async function getCustomer(tx: Queryable, tenantId: string, id: string): Promise<CustomerDetail | null> {
  const { rows } = await tx.query<{ item: CustomerView; orders: OrderSummary[]; order_count: number }>(
    `SELECT ${CUSTOMER_JSON} AS item,
            coalesce((SELECT json_agg(json_build_object(${ORDER_SUMMARY_FIELDS}) ORDER BY o.ordered_at DESC, o.id DESC)
                        FROM (SELECT * FROM orders o WHERE o.tenant_id = u.tenant_id AND o.customer_id = u.id AND o.deleted_at IS NULL
                               ORDER BY o.ordered_at DESC, o.id DESC LIMIT ${CUSTOMER_ORDERS_SHOWN}) o), '[]'::json) AS orders,
            (SELECT count(*) FROM orders o WHERE o.tenant_id = u.tenant_id AND o.customer_id = u.id AND o.deleted_at IS NULL)::int AS order_count
       FROM customers u WHERE u.tenant_id = $1 AND u.id = $2 AND u.deleted_at IS NULL`,
    [tenantId, id],
  );
  const r = rows[0];
  if (!r) return null;
  return { ...r.item, orders: r.orders, orderCount: r.order_count, ordersTruncated: r.order_count > r.orders.length };
}
