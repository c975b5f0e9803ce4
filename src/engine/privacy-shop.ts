// shop/redact: the shop's data leaves the hub. Shopify sends it 48 hours after the app was uninstalled
// (app/uninstalled has disabled the connection by then), so nothing else is writing this connection's
// rows while it runs.
//
// Removed: the hub records reachable only through this connection (a product, customer, order or stock
// level another connection also links is shared data and stays; its links from here go), and
// everything the connection owns: links, stored deliveries (but the one being applied), dead letters,
// stream checkpoints, runs, platform writes, catalog items, audit-log lines, the contact details of its
// data requests, and its credentials. Kept: the privacy_requests rows (the audit of this and earlier
// requests, without personal values) and the connection row itself, disabled:
//   * a redelivery of this shop/redact (Shopify retries when our 200 is lost) must still find an
//     endpoint that verifies it and answers 200 — a deleted connection would answer 404 and Shopify
//     would keep retrying a request that was done;
//   * the tenant sees in the API why the connection stopped (status_reason), and a reinstall through
//     the OAuth flow finds it by name and starts it again with fresh credentials and a full pull;
//   * the row holds nothing about the shop's customers: its settings (shop domain, API version) are
//     the merchant's configuration. The credentials are dropped but for the secret that verifies
//     deliveries, which is the app's, not the shop's.
// The tenant can still delete the connection through the API; the audit rows survive that too.
import type { Queryable } from '../store/db.js';
import { loadConnectionSecrets, updateConnection } from '../store/connections.js';
import type { RedactionCounts } from './privacy-redact.js';
import type { ContextDeps } from './run-context.js';
import type { Endpoint } from './webhook-batch.js';

/** Hub tables by link entity, in the order they are deleted (orders before customers and products). */
const HUB_TABLES: [entity: string, table: string][] = [
  ['order', 'orders'],
  ['customer', 'customers'],
  ['stock_level', 'stock_levels'],
  ['product', 'products'],
  ['catalog_item', 'catalog_items'],
];

/** Tables whose rows belong to the connection (connection_id), deleted whole. */
const CONNECTION_TABLES = ['links', 'dead_letters', 'stream_state', 'sync_runs', 'pull_writes', 'catalog_items'];

export async function redactShop(tx: Queryable, deps: Pick<ContextDeps, 'box' | 'registry'>, at: Endpoint, eventRowId: string): Promise<RedactionCounts> {
  const counts: RedactionCounts = {};
  const note = (key: string, n: number) => {
    if (n > 0) counts[key] = (counts[key] ?? 0) + n;
  };
  const { rows: only } = await tx.query<{ entity: string; ids: string[] }>(
    `SELECT l.entity, array_agg(DISTINCT l.hub_id) AS ids FROM links l
      WHERE l.tenant_id = $1 AND l.connection_id = $2
        AND NOT EXISTS (SELECT 1 FROM links x WHERE x.tenant_id = $1 AND x.entity = l.entity AND x.hub_id = l.hub_id AND x.connection_id <> $2)
      GROUP BY l.entity`,
    [at.tenantId, at.connectionId],
  );
  const onlyHere = new Map(only.map((r) => [r.entity, r.ids]));
  // Audit-log lines of the records about to go (whatever wrote them) and of the connection.
  for (const [entity] of HUB_TABLES) {
    const ids = onlyHere.get(entity);
    if (ids) note('sync_log', (await tx.query('DELETE FROM sync_log WHERE tenant_id = $1 AND entity = $2 AND hub_id = ANY($3::uuid[])', [at.tenantId, entity, ids])).rowCount);
  }
  note('sync_log', (await tx.query('DELETE FROM sync_log WHERE tenant_id = $1 AND connection_id = $2', [at.tenantId, at.connectionId])).rowCount);
  // Lines, stock and conflicts go with their orders and products (ON DELETE CASCADE).
  for (const [entity, table] of HUB_TABLES) {
    const ids = onlyHere.get(entity);
    if (ids) note(table, (await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [at.tenantId, ids])).rowCount);
  }
  for (const table of CONNECTION_TABLES) {
    note(table, (await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND connection_id = $2`, [at.tenantId, at.connectionId])).rowCount);
  }
  // The delivery being applied stays: it is the dedup key of a redelivery, and holds only the shop's ids.
  note('webhook_events', (await tx.query('DELETE FROM webhook_events WHERE tenant_id = $1 AND connection_id = $2 AND id <> $3', [at.tenantId, at.connectionId, eventRowId])).rowCount);
  note(
    'privacy_requests.customer_email',
    (await tx.query(
      'UPDATE privacy_requests SET customer_email = NULL, customer_phone = NULL WHERE tenant_id = $1 AND connection_id = $2 AND (customer_email IS NOT NULL OR customer_phone IS NOT NULL)',
      [at.tenantId, at.connectionId],
    )).rowCount,
  );

  // Of the credentials, only the entry that verifies deliveries stays (Shopify: the app's client
  // secret); the webhook secret column is left as it is for the same reason.
  const credentials = (await loadConnectionSecrets(tx, deps.box, at.tenantId, at.connectionId))?.credentials ?? {};
  const verifying = deps.registry.get(at.platform)?.webhooks?.secretFrom?.(credentials) ?? null;
  await updateConnection(tx, deps.box, at.tenantId, at.connectionId, {
    status: 'disabled',
    statusReason: 'the shop asked for its data to be removed (shop/redact); reinstall the app to sync again',
    credentials: Object.fromEntries(Object.entries(credentials).filter(([, v]) => verifying !== null && v === verifying)),
    schedule: null,
  });
  note('connections.credentials', 1);
  return counts;
}
