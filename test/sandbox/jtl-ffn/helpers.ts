// Shared helpers of the JTL-FFN sandbox tests: OAuth token calls with Basic client auth, and bearer-authenticated
// API calls against the listening sandbox.
import type { JtlFfnSandbox } from '../../../src/sandbox/jtl-ffn/index.js';

import { waitFor } from '../shopify/helpers.js';

export { waitFor };

/** Response JSON as tests read it: shapes are checked by the assertions themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface CallResult { status: number; headers: Headers; body: Loose }

async function read(res: Response): Promise<CallResult> {
  const text = await res.text();
  let body: Loose = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** POST ${oauthUrl}/token with a form body; Basic auth with the sandbox client unless `authorization` is given. */
export async function tokenCall(sb: JtlFfnSandbox, form: Record<string, string>, authorization?: string | null): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const auth = authorization === undefined ? basic(sb.clientId, sb.clientSecret) : authorization;
  if (auth !== null) headers.authorization = auth;
  return read(await fetch(`${sb.oauthUrl}/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() }));
}

/** An access token for `scopes` (default read+write), obtained the way a connector would: refresh grant. */
export async function accessToken(sb: JtlFfnSandbox, opts: { scopes?: string[]; client?: { clientId: string; clientSecret: string } } = {}): Promise<string> {
  const client = opts.client ?? { clientId: sb.clientId, clientSecret: sb.clientSecret };
  const refresh = sb.issueRefreshToken(opts.scopes, { clientId: client.clientId });
  const res = await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: refresh }, basic(client.clientId, client.clientSecret));
  if (res.status !== 200) throw new Error(`refresh failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** An API call: `path` is relative to ${sb.url} (e.g. `v1/merchant/products`) or an absolute URL (next links). */
export async function api(
  sb: JtlFfnSandbox, method: string, path: string,
  opts: { token?: string | null; query?: Record<string, string | number | boolean>; body?: unknown } = {},
): Promise<CallResult> {
  const url = new URL(path.startsWith('http') ? path : `${sb.url}/${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return read(await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }));
}

export const ADDRESS = { firstname: 'Erika', lastname: 'Mustermann', street: 'Hauptstr. 1', city: 'Berlin', zip: '10115', country: 'DE' };

/** A valid outbound body for one product item. */
export function outboundBody(number: string, warehouseId: string, items: { merchantSku?: string; jfsku?: string; quantity: number }[]): Record<string, unknown> {
  return {
    merchantOutboundNumber: number, warehouseId, currency: 'EUR', shippingType: 'Standard', shippingAddress: ADDRESS,
    items: items.map((i, n) => ({ outboundItemId: `L${n + 1}`, name: `Item ${n + 1}`, price: 9.99, ...i })),
  };
}

/**
 * A feed fromDate separating "before" from "after": waits (bounded) until the clock has left the current
 * millisecond, so everything changed before the call is at or before the mark and everything after is later.
 */
export async function mark(): Promise<string> {
  const t0 = Date.now();
  await waitFor(() => Date.now() > t0, 1000, 'the clock to tick');
  return new Date(t0).toISOString();
}
