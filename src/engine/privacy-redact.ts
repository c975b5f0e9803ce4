// customers/redact: the customer's personal data leaves the hub, what their orders were worth stays.
//
// Two kinds of places hold it:
//   * hub rows: the customer (e-mail, names, and all of `data`: phone, addresses, tags, marketing
//     consent) and their orders (everything in `data` but the allow-list below: addresses, the
//     buyer's e-mail, notes, and any field added later are dropped; the totals, number and statuses
//     stay, and so do the lines, which name products, not people);
//   * copies: stored webhook deliveries, dead letters, run errors, platform-write payloads, the
//     audit log's field changes, earlier data requests. These are found by what names the person
//     (e-mail, phone, the customer's and the orders' platform ids) and replaced whole by a stub: a
//     copy is not hub data, so nothing is lost that a pull cannot bring back, and a stub cannot keep
//     a field nobody thought of. Names and address lines are not searched for on their own: "Anna"
//     would match strangers; the rows that carry them also carry one of the above.
// test/server/shopify-privacy-webhooks.test.ts checks every text and json column of every table
// afterwards, so a new table that keeps a copy fails it.
//
// Links stay, with their content hashes: an unchanged re-read of the record then counts as
// unchanged instead of bringing the data back, while a real change at the platform (the platform's
// own redaction) is applied as usual. Their platform ids are cleared.
import type { PrivacyRequest } from '../core/privacy.js';
import type { Queryable } from '../store/db.js';
import { resolvePrivacySubjects } from '../store/privacy-requests.js';
import type { Endpoint } from './webhook-batch.js';

/** Rows changed per table (the audit row's result): counts, never values. */
export type RedactionCounts = Record<string, number>;

/** What a redacted order keeps of its `data`: its worth and state, nothing about who placed it. */
const ORDER_KEPT_KEYS = ['number', 'status', 'financialStatus', 'fulfillmentStatus', 'currency', 'totals', 'placedAt'];

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternatives = (xs: string[]) => [...new Set(xs)].map(escapeRegex).join('|');

/**
 * A case-insensitive PostgreSQL regular expression (for ~*) that matches text naming the person:
 * an e-mail address, a phone number or a platform id as a whole token, so that a@x.com does not
 * match ba@x.com and Order/12 does not match Order/123. null when there is nothing to look for.
 */
export function personalPattern(v: { emails: string[]; phones: string[]; externalIds: string[] }): string | null {
  const parts: string[] = [];
  const emails = v.emails.filter((e) => e.includes('@'));
  if (emails.length > 0) parts.push(`(^|[^a-z0-9._%+-])(${alternatives(emails)})($|[^a-z0-9._-])`);
  // Fewer than six digits is not a phone number anyone could be found by, and would match everywhere.
  const phones = v.phones.filter((p) => (p.match(/\d/g)?.length ?? 0) >= 6);
  if (phones.length > 0) parts.push(`(^|[^0-9])(${alternatives(phones)})($|[^0-9])`);
  if (v.externalIds.length > 0) parts.push(`(^|[^a-z0-9/])(${alternatives(v.externalIds)})($|[^0-9])`);
  return parts.length > 0 ? parts.join('|') : null;
}

export interface CustomerRedaction {
  counts: RedactionCounts;
  /** Stored events that were still to be applied and were redacted instead (ignored from now on). */
  redactedPending: string[];
}

export async function redactCustomer(tx: Queryable, at: Endpoint, req: PrivacyRequest, requestId: string, eventRowId: string): Promise<CustomerRedaction> {
  const who = req.customer;
  const subjects = await resolvePrivacySubjects(tx, at.tenantId, at.connectionId, {
    customerExternalId: who?.externalId ?? null,
    email: who?.email ?? null,
    orderExternalIds: req.orderExternalIds,
  });
  const c = subjects.customerIds;
  const o = subjects.orderIds;
  // The values to look for: the request's, and what the hub holds on the customer and their orders.
  const { rows: held } = await tx.query<{ kind: 'email' | 'phone'; v: string | null }>(
    `SELECT 'email' AS kind, email AS v FROM customers WHERE tenant_id = $1 AND id = ANY($2::uuid[])
     UNION SELECT 'phone', data->>'phone' FROM customers WHERE tenant_id = $1 AND id = ANY($2::uuid[])
     UNION SELECT 'email', data->'customer'->>'email' FROM orders WHERE tenant_id = $1 AND id = ANY($3::uuid[])`,
    [at.tenantId, c, o],
  );
  const heldOf = (kind: string) => held.filter((r) => r.kind === kind).map((r) => r.v);
  // The platform ids of this connection only: another platform's ids may be short plain numbers that
  // would match anywhere, and its copies of the person carry the e-mail or phone anyway.
  const { rows: ids } = await tx.query<{ external_id: string }>(
    `SELECT DISTINCT external_id FROM links
      WHERE tenant_id = $1 AND connection_id = $4 AND ((entity = 'customer' AND hub_id = ANY($2::uuid[])) OR (entity = 'order' AND hub_id = ANY($3::uuid[])))`,
    [at.tenantId, c, o, at.connectionId],
  );
  const pattern = personalPattern({
    emails: [who?.email, ...heldOf('email')].filter((v): v is string => !!v),
    phones: [who?.phone, ...heldOf('phone')].filter((v): v is string => !!v),
    externalIds: [who?.externalId, ...req.orderExternalIds, ...ids.map((r) => r.external_id)].filter((v): v is string => !!v),
  });
  const counts: RedactionCounts = {};
  const count = async (key: string, sql: string, params: unknown[]) => {
    const n = (await tx.query(sql, params)).rowCount;
    if (n > 0) counts[key] = (counts[key] ?? 0) + n;
  };
  const stub = JSON.stringify({ redacted: true, privacyRequestId: requestId });
  const note = `redacted under privacy request ${requestId}`;
  let redactedPending: string[] = [];

  // Copies first: taking their row locks before the hub rows' means a concurrent apply pass of another
  // connection that holds one of them finishes before the hub rows are read and blanked.
  if (pattern) {
    const { rows } = await tx.query<{ id: string; was: string }>(
      `WITH hit AS (SELECT id, status FROM webhook_events WHERE tenant_id = $1 AND (payload::text ~* $2 OR error ~* $2) FOR UPDATE)
       UPDATE webhook_events w
          SET payload = $3::jsonb,
              error = CASE WHEN w.id = $4 OR (w.error IS NULL AND hit.status <> 'received') THEN w.error ELSE $5 END,
              status = CASE WHEN hit.status = 'received' AND w.id <> $4 THEN 'ignored' ELSE w.status END,
              processed_at = CASE WHEN hit.status = 'received' AND w.id <> $4 THEN now() ELSE w.processed_at END
         FROM hit WHERE w.id = hit.id
       RETURNING w.id, hit.status AS was`,
      [at.tenantId, pattern, stub, eventRowId, note],
    );
    if (rows.length > 0) counts['webhook_events.payload'] = rows.length;
    redactedPending = rows.filter((r) => r.was === 'received' && r.id !== eventRowId).map((r) => r.id);
    // A redacted dead letter cannot be retried: it is discarded.
    await count(
      'dead_letters.payload',
      `UPDATE dead_letters SET payload = $3::jsonb, reason = $4,
              status = CASE WHEN status = 'open' THEN 'discarded' ELSE status END, resolved_at = coalesce(resolved_at, now())
        WHERE tenant_id = $1 AND (payload::text ~* $2 OR reason ~* $2 OR external_id ~* $2)`,
      [at.tenantId, pattern, stub, note],
    );
    await count('sync_runs.error', `UPDATE sync_runs SET error = jsonb_build_object('code', error->'code', 'message', $3::text) WHERE tenant_id = $1 AND error::text ~* $2`, [at.tenantId, pattern, note]);
    await count(
      'pull_writes.payload',
      `UPDATE pull_writes SET payload = $3::jsonb, last_error = $4, status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, updated_at = now()
        WHERE tenant_id = $1 AND (payload::text ~* $2 OR last_error ~* $2)`,
      [at.tenantId, pattern, stub, note],
    );
    await count(
      'privacy_requests.customer_email',
      `UPDATE privacy_requests SET customer_email = NULL, customer_phone = NULL
        WHERE tenant_id = $1 AND id <> $3 AND (customer_email IS NOT NULL OR customer_phone IS NOT NULL)
          AND (customer_external_id ~* $2 OR customer_email ~* $2 OR customer_phone ~* $2)`,
      [at.tenantId, pattern, requestId],
    );
  }
  await count(
    'sync_log.changes',
    `UPDATE sync_log SET changes = '{}'::jsonb
      WHERE tenant_id = $1 AND ((entity = 'customer' AND hub_id = ANY($2::uuid[])) OR (entity = 'order' AND hub_id = ANY($3::uuid[]))) AND changes <> '{}'::jsonb`,
    [at.tenantId, c, o],
  );

  // The hub rows. A redacted customer leaves the lists (deleted_at); the orders stay listed.
  await count(
    'customers',
    `UPDATE customers SET email = NULL, first_name = NULL, last_name = NULL, data = '{}'::jsonb, content_hash = NULL,
            deleted_at = coalesce(deleted_at, now()), updated_at = now()
      WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
    [at.tenantId, c],
  );
  await count(
    'orders.data',
    `UPDATE orders SET content_hash = NULL, updated_at = now(),
            data = coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(orders.data) e WHERE e.key = ANY($3::text[])), '{}'::jsonb)
                   || CASE WHEN jsonb_typeof(data->'customer'->'externalId') = 'string'
                           THEN jsonb_build_object('customer', jsonb_build_object('externalId', data->'customer'->'externalId')) ELSE '{}'::jsonb END
      WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
    [at.tenantId, o, ORDER_KEPT_KEYS],
  );
  await count(
    'links.platform_ids',
    `UPDATE links SET platform_ids = '{}'::jsonb
      WHERE tenant_id = $1 AND ((entity = 'customer' AND hub_id = ANY($2::uuid[])) OR (entity = 'order' AND hub_id = ANY($3::uuid[]))) AND platform_ids <> '{}'::jsonb`,
    [at.tenantId, c, o],
  );
  // The audit trail of each record says it was redacted, and by which request (connection, time).
  await tx.query(
    `INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action)
     SELECT $1::uuid, 'customer', id, $3::uuid, 'webhook', 'privacy', 'redact' FROM unnest($2::uuid[]) AS id
     UNION ALL SELECT $1::uuid, 'order', id, $3::uuid, 'webhook', 'privacy', 'redact' FROM unnest($4::uuid[]) AS id`,
    [at.tenantId, c, at.connectionId, o],
  );
  return { counts, redactedPending };
}
