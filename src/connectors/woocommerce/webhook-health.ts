// Webhook health (platforms/woocommerce.md section 6). WooCommerce never retries a failed delivery and sets
// a webhook's status to `disabled` after consecutive failures (the 7th by the code, "after 5" by the docs);
// from then on the store sends nothing until someone re-enables it, and nothing tells the receiver. So the
// store's webhooks are listed, those addressed to this connection's receiver are kept, and the disabled
// ones are put back with `PUT /webhooks/<id> {"status":"active"}`. `paused` is a merchant's deliberate
// choice and is only reported. Other integrations' webhooks on the same store are never touched.
import { SyncError } from '../../core/errors.js';
import { wooId } from './mapping.js';
import { PER_PAGE, wooList, wooRequest } from './api.js';
import type { WooConfig } from './config-merged.js';
import type { Ctx, WebhookHealthReport, WebhookSubscription, WebhookTarget } from '../types.js';

interface WooWebhook {
  id?: unknown;
  topic?: unknown;
  status?: unknown;
  delivery_url?: unknown;
}

/** The stream each topic's resource feeds; coupons and `action.*` topics carry nothing synced. */
const STREAM_OF: Record<string, string> = { product: 'products', order: 'orders', customer: 'customers' };

/** A store answering the same page forever is not followed past this (10,000 webhooks). */
const MAX_PAGES = 100;

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/** Whether a webhook delivers to the connection's receiver: by path (any host, any proxy prefix) or by the exact address. */
export function deliversTo(deliveryUrl: unknown, target: WebhookTarget): boolean {
  if (typeof deliveryUrl !== 'string' || deliveryUrl === '') return false;
  if (target.callbackUrl !== undefined && trimSlash(deliveryUrl) === trimSlash(target.callbackUrl)) return true;
  try {
    // Connection ids are UUIDs, answered in lower case but accepted in either.
    return trimSlash(new URL(deliveryUrl).pathname).toLowerCase().endsWith(trimSlash(target.path).toLowerCase());
  } catch {
    return false;
  }
}

/** WooCommerce treats an unknown status as `disabled` (class-wc-webhook.php get_status). */
function stateOf(status: unknown): WebhookSubscription['state'] {
  return status === 'active' ? 'active' : status === 'paused' ? 'paused' : 'disabled';
}

export function toSubscription(w: WooWebhook): WebhookSubscription | null {
  const id = wooId(w.id);
  if (!id) return null;
  const topic = typeof w.topic === 'string' ? w.topic : '';
  const resource = topic.split('.')[0] ?? '';
  return { id, topic, state: stateOf(w.status), platformStatus: typeof w.status === 'string' ? w.status : String(w.status), stream: STREAM_OF[resource] ?? null };
}

/** Every webhook of the store, oldest first (id order stays put while webhooks are added or removed). */
async function listWebhooks(ctx: Ctx<WooConfig>): Promise<WooWebhook[]> {
  const all: WooWebhook[] = [];
  const seen = new Set<string>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const got = await wooList<WooWebhook>(ctx, 'webhooks', { status: 'all', orderby: 'id', order: 'asc', per_page: PER_PAGE, page });
    let fresh = 0;
    for (const w of got.items) {
      const key = String(w?.id);
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(w);
      fresh++;
    }
    // A page of nothing new means the server ignores `page` (a rewrite dropping the query): stop, not loop.
    if (fresh === 0) break;
    if (got.totalPages !== null ? page >= got.totalPages : got.items.length < PER_PAGE) break;
  }
  return all;
}

export async function wooWebhookHealth(ctx: Ctx<WooConfig>, target: WebhookTarget): Promise<WebhookHealthReport> {
  const subscriptions = (await listWebhooks(ctx))
    .filter((w) => deliversTo(w.delivery_url, target))
    .map(toSubscription)
    .filter((s): s is WebhookSubscription => s !== null);
  const report: WebhookHealthReport = { subscriptions, repaired: [], failed: [] };
  for (const s of subscriptions.filter((x) => x.state === 'disabled')) {
    try {
      const res = await wooRequest<{ status?: unknown }>(ctx, { method: 'PUT', path: `webhooks/${s.id}`, body: { status: 'active' } });
      // A plugin may veto the change and still answer 200: only the status read back counts.
      if (res.body?.status === 'active') report.repaired.push(s);
      else report.failed.push({ subscription: s, error: new SyncError('upstream_rejected', `WooCommerce kept webhook ${s.id} ${String(res.body?.status ?? 'unchanged')}`) });
    } catch (err) {
      report.failed.push({ subscription: s, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return report;
}
