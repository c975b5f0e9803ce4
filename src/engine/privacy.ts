// Privacy requests (core/privacy.ts: Shopify's customers/data_request, customers/redact, shop/redact)
// are applied by the one mechanism that applies webhooks: stored in webhook_events on receipt (signature
// checked, deduplicated on the delivery id) and applied by the connection's apply pass, inside its
// batch transaction (webhook-batch.ts), in order with the connection's other deliveries. Not in the
// request, because:
//   * Shopify wants a 2xx within 5 s, and a shop/redact deletes everything a shop brought — unbounded
//     work; a customers/redact scans the stored deliveries and dead letters for copies;
//   * the stored event makes the request durable: a crash or a lost database connection leaves it
//     'received', and the next pass applies it (the re-dispatch finds it), all of it or nothing;
//   * deliveries of the connection received before it (a customers/update of the same customer) are
//     applied first, so they cannot put back what the redaction removed.
// Applying twice is harmless as well as prevented: the webhook_events dedup stores a redelivery once,
// and privacy_requests is unique per delivery id, so a request is recorded and carried out once.
import type { WebhookEvent } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import { PrivacyRequest } from '../core/privacy.js';
import type { Queryable } from '../store/db.js';
import { insertPrivacyRequest } from '../store/privacy-requests.js';
import { redactCustomer } from './privacy-redact.js';
import { redactShop } from './privacy-shop.js';
import type { ContextDeps } from './run-context.js';
import type { Endpoint, Outcome } from './webhook-batch.js';

/** The outcome of an event that a privacy request redacted before it was applied. */
export const REDACTED_BEFORE_APPLIED = 'redacted by a privacy request before it was applied';

export interface PrivacyApplied {
  outcome: Outcome;
  /**
   * Events of the same batch the request settled: those it redacted (listed), or all that follow it
   * ('rest': a shop/redact deleted them). The batch must not apply them from the copies it holds.
   */
  settled: string[] | 'rest';
}

export async function applyPrivacyEvent(
  tx: Queryable,
  deps: Pick<ContextDeps, 'box' | 'logger' | 'registry'>,
  at: Endpoint,
  eventRowId: string,
  ev: WebhookEvent,
): Promise<PrivacyApplied> {
  const parsed = PrivacyRequest.safeParse((ev.payload as { request?: unknown } | null | undefined)?.request);
  // The connector wrote it; a stored row that no longer reads is poison (dead-lettered by the batch).
  if (!parsed.success) throw new SyncError('record_invalid', 'the stored privacy request does not have the expected shape');
  const req = parsed.data;
  const { rows } = await tx.query<{ shop: string | null; received_at: Date }>(
    `SELECT c.settings->>'shopDomain' AS shop, w.received_at FROM connections c JOIN webhook_events w ON w.connection_id = c.id WHERE c.id = $1 AND w.id = $2`,
    [at.connectionId, eventRowId],
  );
  const shop = rows[0]?.shop?.toLowerCase() ?? null;
  let requestId: string | null = null;
  let result: Omit<PrivacyApplied, 'settled'> & { settled?: PrivacyApplied['settled'] };
  // One app secret signs the deliveries of every shop that installed the app, so a correctly signed
  // request can arrive at another shop's endpoint: it must not touch this connection's data.
  if (req.shopDomain !== null && req.shopDomain !== shop) {
    result = { outcome: { status: 'ignored', note: `the request names the shop ${req.shopDomain}, not this connection's (${shop ?? 'none'})` } };
  } else {
    requestId = await insertPrivacyRequest(tx, at, ev.eventId, rows[0]?.received_at ?? null, req);
    if (!requestId) result = { outcome: { status: 'ignored', note: 'this delivery was recorded before' } };
    else result = await carryOut(tx, deps, at, eventRowId, req, requestId);
  }
  // The stored delivery keeps ids only: the data a request carries lives in its privacy_requests row
  // (a data request's e-mail and phone), or nowhere (a redaction's).
  const stub = { stream: ev.stream, op: ev.op, eventId: ev.eventId, externalId: ev.externalId, occurredAt: ev.occurredAt, payload: { topic: req.topic, privacyRequestId: requestId } };
  await tx.query('UPDATE webhook_events SET payload = $2::jsonb WHERE id = $1', [eventRowId, JSON.stringify(stub)]);
  deps.logger.info({ connectionId: at.connectionId, topic: req.topic, privacyRequestId: requestId, outcome: result.outcome }, 'privacy request applied');
  return { outcome: result.outcome, settled: result.settled ?? [] };
}

async function carryOut(
  tx: Queryable,
  deps: Pick<ContextDeps, 'box' | 'registry'>,
  at: Endpoint,
  eventRowId: string,
  req: PrivacyRequest,
  requestId: string,
): Promise<PrivacyApplied> {
  const done = (counts: Record<string, number>) =>
    tx.query('UPDATE privacy_requests SET result = $2::jsonb, completed_at = now() WHERE tenant_id = $3 AND id = $1', [requestId, JSON.stringify(counts), at.tenantId]);
  switch (req.kind) {
    case 'data_request':
      // Answered from the hub when asked for (GET /privacy-requests/:id), so it shows what the hub holds then.
      return { outcome: { status: 'applied', note: `privacy request ${requestId} recorded` }, settled: [] };
    case 'customer_redact': {
      const r = await redactCustomer(tx, at, req, requestId, eventRowId);
      await done(r.counts);
      return { outcome: { status: 'applied', note: `privacy request ${requestId}: the customer's data was redacted` }, settled: r.redactedPending };
    }
    case 'shop_redact': {
      await done(await redactShop(tx, deps, at, eventRowId));
      return { outcome: { status: 'applied', note: `privacy request ${requestId}: the shop's data was removed` }, settled: 'rest' };
    }
  }
}
