// Shared helpers of the WooCommerce sandbox tests: authenticated REST calls (Basic by default).
import type { WooSandbox } from '../../../src/sandbox/woocommerce/index.js';

export { startReceiver, waitFor } from '../shopify/helpers.js';
export type { Receiver, ReceivedWebhook } from '../shopify/helpers.js';

/** Response JSON as tests read it: shapes are checked by the assertions themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface CallResult { status: number; headers: Headers; body: Loose; text: string }

export async function call(
  sb: WooSandbox, method: string, path: string,
  opts: { query?: Record<string, string | number>; body?: unknown; auth?: 'basic' | 'query' | 'none'; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const url = new URL(`${sb.url}/wp-json/wc/v3/${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const auth = opts.auth ?? 'basic';
  if (auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${sb.consumerKey}:${sb.consumerSecret}`).toString('base64')}`;
  if (auth === 'query') {
    url.searchParams.set('consumer_key', sb.consumerKey);
    url.searchParams.set('consumer_secret', sb.consumerSecret);
  }
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: Loose = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}
