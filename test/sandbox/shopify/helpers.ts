// Shared helpers of the Shopify sandbox tests: GraphQL calls, a webhook receiver, waiting on conditions.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';

export const TOKEN = 'shpat_sandbox';

/** Response JSON as tests read it: shapes are checked by the assertions themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: {
      cost: {
        requestedQueryCost: number;
        actualQueryCost: number | null;
        throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
      };
      search?: unknown[];
    };
  };
}

export async function gql<T = Record<string, Loose>>(
  sb: ShopifySandbox, query: string, variables: Record<string, unknown> = {},
  opts: { version?: string; token?: string | null } = {},
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token !== null) headers['x-shopify-access-token'] = opts.token ?? TOKEN;
  const response = await fetch(`${sb.url}/admin/api/${opts.version ?? '2025-01'}/graphql.json`, {
    method: 'POST', headers, body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResult<T>['body'] };
}

/** Polls `check` until it returns something truthy; fails after `timeoutMs`. Never a fixed sleep. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status the receiver answers with next; a function can vary it per request; 'hang' never answers. */
  respond: number | 'hang' | ((n: number) => number);
  close(): Promise<void>;
}

/** A webhook endpoint that keeps every request with its raw body. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: 200, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (receiver.respond === 'hang') return;
      const status = typeof receiver.respond === 'function' ? receiver.respond(receiver.received.length) : receiver.respond;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return receiver;
}
