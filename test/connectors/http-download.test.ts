// Streaming downloads through the shared HTTP client (http.download): the body reaches the consumer as a
// stream and a transient failure hands it a fresh one from the first byte; the outbound policy, the
// idle timeout, the classification of answers and the limiter apply as they do to `request`, with the
// differences a presigned storage URL needs (no credentials sent, an expired URL is no auth failure).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, type HttpClientOptions } from '../../src/connectors/http.js';
import { Limiter } from '../../src/connectors/limiter.js';
import { OutboundPolicy } from '../../src/connectors/outbound.js';
import { isSyncError, type SyncError } from '../../src/core/errors.js';
import { TokenBucket } from '../../src/core/rate-limit.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const FILE = Array.from({ length: 2000 }, (_, i) => `{"id":"gid://shopify/Order/${i}"}`).join('\n');

let hits: Map<string, { n: number; token: string | undefined }[]>;
const count = (path: string) => hits.get(path)?.length ?? 0;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const seen = hits.get(path) ?? [];
  const token = req.headers['x-shopify-access-token'] as string | undefined;
  seen.push({ n: seen.length + 1, token });
  hits.set(path, seen);
  const n = seen.length;
  switch (path) {
    case '/file':
      res.writeHead(200, { 'content-type': 'application/jsonl' }).end(FILE);
      return;
    case '/stalls-once':
      // The first answer sends half the file and then nothing more; the second is whole.
      res.writeHead(200, { 'content-type': 'application/jsonl' });
      if (n === 1) res.write(FILE.slice(0, FILE.length / 2));
      else res.end(FILE);
      return;
    case '/flaky':
      if (n === 1) res.writeHead(503).end('busy');
      else res.writeHead(200).end(FILE);
      return;
    case '/expired':
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    default:
      res.writeHead(404).end();
  }
}

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  hits = new Map();
});

function setup(overrides: Partial<HttpClientOptions> = {}) {
  const controller = new AbortController();
  const limiter = new Limiter(new TokenBucket({ ratePerSec: 1000, burst: 100 }));
  const acquire = vi.spyOn(limiter, 'acquire');
  const authErrors: SyncError[] = [];
  const client = createHttpClient({
    baseUrl: base,
    limiter,
    signal: controller.signal,
    budget: new RetryBudget(),
    backoff: { baseMs: 5, capMs: 20 },
    timeoutMs: 300,
    defaultHeaders: { 'X-Shopify-Access-Token': 'shpat_secret' },
    onAuthError: (err) => authErrors.push(err),
    outbound: SANDBOX_OUTBOUND,
    ...overrides,
  });
  return { client, controller, acquire, authErrors };
}

/** A consumer that collects the body; `calls` counts how often the client handed it a stream. */
function collector() {
  const state = { calls: 0, text: '' };
  const into = async (body: Readable) => {
    state.calls++;
    state.text = '';
    for await (const chunk of body) state.text += Buffer.from(chunk as Buffer).toString('utf8');
  };
  return { state, into };
}

describe('http.download', () => {
  it('streams the body to the consumer; a presigned URL gets no credentials and passes the limiter by when not counted', async () => {
    const { client, acquire } = setup();
    const { state, into } = collector();
    const res = await client.download({ path: `${base}/file`, presigned: true, rateLimited: false, into });
    expect(res).toMatchObject({ status: 200, bytes: Buffer.byteLength(FILE) });
    expect(state).toEqual({ calls: 1, text: FILE });
    expect(hits.get('/file')![0]!.token).toBeUndefined();
    expect(acquire).not.toHaveBeenCalled();

    // A download of the platform's own API is sent with the connection's headers and counted.
    await client.download({ path: '/file', into });
    expect(hits.get('/file')![1]!.token).toBe('shpat_secret');
    expect(acquire).toHaveBeenCalledTimes(1);
  });

  it('a body that stops arriving times out on the idle timeout and is downloaded again from the first byte', async () => {
    const { client } = setup();
    const { state, into } = collector();
    const res = await client.download({ path: `${base}/stalls-once`, presigned: true, rateLimited: false, idleTimeoutMs: 200, into });
    expect(res.bytes).toBe(Buffer.byteLength(FILE));
    expect(state).toEqual({ calls: 2, text: FILE });
    expect(count('/stalls-once')).toBe(2);
  });

  it('a 5xx is retried like any request', async () => {
    const { client } = setup();
    const { state, into } = collector();
    await client.download({ path: `${base}/flaky`, presigned: true, rateLimited: false, into });
    expect(state.text).toBe(FILE);
    expect(count('/flaky')).toBe(2);
  });

  it('a 403 on a presigned URL is upstream_transient (the URL expired), not retried and not an auth failure', async () => {
    const { client, authErrors } = setup();
    const { state, into } = collector();
    const err = await client.download({ path: `${base}/expired`, presigned: true, rateLimited: false, into }).catch((e: unknown) => e);
    expect(isSyncError(err) && [err.code, err.kind]).toEqual(['upstream_transient', 'transient']);
    expect((err as SyncError).details).toMatchObject({ status: 403, urlExpired: true });
    expect(count('/expired')).toBe(1);
    expect(state.calls).toBe(0);
    expect(authErrors).toEqual([]);
    // The same answer from the platform's own API is the connection's credentials being refused.
    const own = await client.download({ path: `${base}/expired`, into }).catch((e: unknown) => e);
    expect(isSyncError(own) && own.code).toBe('upstream_auth');
    expect(authErrors).toHaveLength(1);
  });

  it('applies the outbound policy before anything is sent', async () => {
    const { client } = setup({ outbound: new OutboundPolicy() });
    const { into } = collector();
    const err = await client.download({ path: `${base}/file`, presigned: true, rateLimited: false, into }).catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('host_not_allowed');
    expect(count('/file')).toBe(0);
  });

  it("stops at once when the run's signal aborts mid-body, with the run's reason", async () => {
    const { client, controller } = setup({ timeoutMs: 10_000 });
    let into: ((body: Readable) => Promise<void>) | undefined;
    const started = new Promise<void>((resolve) => {
      into = async (body) => {
        for await (const _chunk of body) {
          resolve();
        }
      };
    });
    const download = client.download({ path: `${base}/stalls-once`, presigned: true, rateLimited: false, into: (b) => into!(b) });
    await started;
    controller.abort(new Error('run cancelled'));
    const err = await download.catch((e: unknown) => e);
    expect(isSyncError(err) && err.code).toBe('cancelled');
    expect(count('/stalls-once')).toBe(1);
  });
});
