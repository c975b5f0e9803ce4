// Privacy requests (migration 012): who a request is about in the hub, the API's reads, and the
// request row itself. Every query names the tenant; row-level security checks it a second time.
import type { PrivacyRequest } from '../core/privacy.js';
import type { Queryable } from './db.js';
import { isoSql, moneySql } from './hub-reads.js';
import { cursorTimestampSql, type Keyset, type Page, toPage } from './paging.js';

/** The hub customers and orders a request names. */
export interface PrivacySubjects {
  customerIds: string[];
  orderIds: string[];
}

/**
 * Customers are found by the platform's customer id through this connection's links (deleted links
 * and customers included: a soft-deleted row still holds the data); only when no link names the
 * customer, by e-mail in any letter case. Orders are the customers' orders and the orders the request
 * names, through this connection's links. Data requests and redactions resolve the same way, so what
 * a data request shows is what a redaction removes.
 */
export async function resolvePrivacySubjects(
  tx: Queryable,
  tenantId: string,
  connectionId: string,
  who: { customerExternalId: string | null; email: string | null; orderExternalIds: string[] },
): Promise<PrivacySubjects> {
  let customerIds: string[] = [];
  if (who.customerExternalId) {
    const { rows } = await tx.query<{ hub_id: string }>(
      `SELECT DISTINCT hub_id FROM links WHERE tenant_id = $1 AND connection_id = $2 AND entity = 'customer' AND external_id = $3`,
      [tenantId, connectionId, who.customerExternalId],
    );
    customerIds = rows.map((r) => r.hub_id);
  }
  if (customerIds.length === 0 && who.email) {
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM customers WHERE tenant_id = $1 AND email_key = lower($2)`, [tenantId, who.email]);
    customerIds = rows.map((r) => r.id);
  }
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM orders WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])
     UNION
     SELECT hub_id FROM links WHERE tenant_id = $1 AND connection_id = $3 AND entity = 'order' AND external_id = ANY($4::text[])`,
    [tenantId, customerIds, connectionId, who.orderExternalIds],
  );
  return { customerIds, orderIds: rows.map((r) => r.id) };
}

/** The row of one delivery; null when the delivery was recorded before (a redelivery). */
export async function insertPrivacyRequest(
  tx: Queryable,
  at: { tenantId: string; connectionId: string; platform: string },
  webhookId: string,
  receivedAt: Date | null,
  req: PrivacyRequest,
): Promise<string | null> {
  // Only a data request keeps the e-mail and phone (it is answered by them); a redaction's audit row
  // holds ids only (the table's CHECK insists).
  const keepContact = req.kind === 'data_request';
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO privacy_requests (tenant_id, connection_id, platform, topic, webhook_id, shop_id, shop_domain, customer_external_id,
                                   customer_email, customer_phone, order_external_ids, data_request_id, received_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[], $12, coalesce($13::timestamptz, now()), now())
     ON CONFLICT (connection_id, webhook_id) DO NOTHING RETURNING id`,
    [
      at.tenantId, at.connectionId, at.platform, req.topic, webhookId, req.shopId, req.shopDomain, req.customer?.externalId ?? null,
      keepContact ? (req.customer?.email ?? null) : null, keepContact ? (req.customer?.phone ?? null) : null,
      req.orderExternalIds, req.dataRequestId, receivedAt,
    ],
  );
  return rows[0]?.id ?? null;
}

export interface PrivacyRequestView {
  id: string;
  connectionId: string;
  platform: string;
  topic: PrivacyRequest['topic'];
  webhookId: string;
  shopId: string | null;
  shopDomain: string | null;
  customer: { externalId: string | null; email: string | null; phone: string | null } | null;
  orderExternalIds: string[];
  dataRequestId: string | null;
  result: Record<string, unknown>;
  receivedAt: string;
  completedAt: string | null;
}

export interface PrivacyRequestDetail extends PrivacyRequestView {
  /** A data request's answer: everything the hub holds on the customer, read now. null for redactions. */
  data: { customers: Record<string, unknown>[]; orders: Record<string, unknown>[] } | null;
}

const VIEW = `'id', r.id, 'connectionId', r.connection_id, 'platform', r.platform, 'topic', r.topic, 'webhookId', r.webhook_id,
  'shopId', r.shop_id, 'shopDomain', r.shop_domain,
  'customer', CASE WHEN r.topic = 'shop/redact' THEN NULL
                   ELSE json_build_object('externalId', r.customer_external_id, 'email', r.customer_email, 'phone', r.customer_phone) END,
  'orderExternalIds', to_json(r.order_external_ids), 'dataRequestId', r.data_request_id, 'result', r.result,
  'receivedAt', ${isoSql('r.received_at')}, 'completedAt', ${isoSql('r.completed_at')}`;

export async function listPrivacyRequests(
  tx: Queryable,
  tenantId: string,
  f: { limit: number; after?: Keyset | null; connectionId?: string | undefined; topic?: string | undefined },
): Promise<Page<PrivacyRequestView>> {
  const params: unknown[] = [f.limit + 1, tenantId];
  const where = ['r.tenant_id = $2'];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.connectionId) add((p) => `r.connection_id = ${p}::uuid`, f.connectionId);
  if (f.topic) add((p) => `r.topic = ${p}`, f.topic);
  if (f.after) {
    params.push(f.after.createdAt, f.after.id);
    where.push(`(r.received_at, r.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<{ id: string; cursor_ts: string; item: PrivacyRequestView }>(
    `SELECT r.id, ${cursorTimestampSql('r.received_at')} AS cursor_ts, json_build_object(${VIEW}) AS item
       FROM privacy_requests r WHERE ${where.join(' AND ')} ORDER BY r.received_at, r.id LIMIT $1`,
    params,
  );
  return toPage(rows, f.limit, (r) => r.item);
}

// The customer's data as the hub holds it, `data` included (the export must show everything kept).
const CUSTOMER_JSON = `json_build_object('id', u.id, 'email', u.email, 'firstName', u.first_name, 'lastName', u.last_name, 'data', u.data,
  'createdAt', ${isoSql('u.created_at')}, 'updatedAt', ${isoSql('u.updated_at')}, 'deletedAt', ${isoSql('u.deleted_at')},
  'links', coalesce((SELECT json_agg(json_build_object('connectionId', l.connection_id, 'externalId', l.external_id) ORDER BY l.connection_id, l.external_id)
                       FROM links l WHERE l.tenant_id = u.tenant_id AND l.entity = 'customer' AND l.hub_id = u.id), '[]'::json))`;

const ORDER_JSON = `json_build_object('id', o.id, 'customerId', o.customer_id, 'number', o.number, 'status', o.status,
  'financialStatus', o.financial_status, 'fulfillmentStatus', o.fulfillment_status, 'currency', o.currency, 'total', ${moneySql('o.total')},
  'placedAt', ${isoSql('o.placed_at')}, 'data', o.data, 'createdAt', ${isoSql('o.created_at')}, 'updatedAt', ${isoSql('o.updated_at')},
  'deletedAt', ${isoSql('o.deleted_at')},
  'lines', coalesce((SELECT json_agg(json_build_object('lineNo', x.line_no, 'sku', x.sku, 'name', x.name, 'quantity', x.quantity,
                       'unitPrice', ${moneySql('x.unit_price')}, 'total', ${moneySql('x.total')}) ORDER BY x.line_no)
                     FROM order_lines x WHERE x.tenant_id = o.tenant_id AND x.order_id = o.id), '[]'::json))`;

/** One request; a data request with the customer's data as the hub holds it now. null for an unknown id (or another tenant's). */
export async function getPrivacyRequest(tx: Queryable, tenantId: string, id: string): Promise<PrivacyRequestDetail | null> {
  const { rows } = await tx.query<{ item: PrivacyRequestView; connection_id: string; customer_email: string | null; order_external_ids: string[] }>(
    `SELECT json_build_object(${VIEW}) AS item, r.connection_id, r.customer_email, r.order_external_ids FROM privacy_requests r WHERE r.tenant_id = $1 AND r.id = $2`,
    [tenantId, id],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.item.topic !== 'customers/data_request') return { ...r.item, data: null };
  const subjects = await resolvePrivacySubjects(tx, tenantId, r.connection_id, {
    customerExternalId: r.item.customer?.externalId ?? null,
    email: r.customer_email,
    orderExternalIds: r.order_external_ids,
  });
  const { rows: data } = await tx.query<{ customers: Record<string, unknown>[]; orders: Record<string, unknown>[] }>(
    `SELECT coalesce((SELECT json_agg(${CUSTOMER_JSON} ORDER BY u.created_at, u.id) FROM customers u WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[])), '[]'::json) AS customers,
            coalesce((SELECT json_agg(${ORDER_JSON} ORDER BY o.ordered_at, o.id) FROM orders o WHERE o.tenant_id = $1 AND o.id = ANY($3::uuid[])), '[]'::json) AS orders`,
    [tenantId, subjects.customerIds, subjects.orderIds],
  );
  return { ...r.item, data: data[0] ?? { customers: [], orders: [] } };
}
