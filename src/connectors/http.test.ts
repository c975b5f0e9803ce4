import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../core/errors.js';
import { TokenBucket } from '../core/rate-limit.js';
import { RetryBudget } from '../core/retry-budget.js';
import { createHttpClient, retryAfterFromHeaders } from './http.js';
import type { HttpClientOptions } from './http.js';
import { Limiter, abortableSleep } from './limiter.js';
import { OutboundPolicy } from './outbound.js';

// The test server listens on loopback over http, which only an allow-listed host may be.
const outbound = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });

// Per-route hit counters and arrival times, reset before each test.
let hits = new Map<string, number[]>();
let waiters: { path: string; resolve: () => void }[] = [];
let retryAfterDate = '';

function hit(path: string): number {
  const times = hits.get(path) ?? [];
  times.push(Date.now());
  hits.set(path, times);
  for (const w of waiters.filter((w) => w.path === path)) w.resolve();
  waiters = waiters.filter((w) => w.path !== path);
  return times.length;
}

const count = (path: string) => hits.get(path)?.length ?? 0;

/** Resolves when the server next receives a request for `path`. */
function nextHit(path: string): Promise<void> {
  return new Promise((resolve) => waiters.push({ path, resolve }));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // The base URL carries a path prefix, as platform API roots do (/admin/api/2025-01, /wp-json/wc/v3).
  const path = url.pathname.replace(/^\/api/, '');
  const n = hit(path);
  let body = '';
  for await (const chunk of req) body += String(chunk);
  switch (path) {
    case '/echo':
      return json(res, 200, { method: req.method, query: url.search, apiKey: req.headers['x-api-key'], contentType: req.headers['content-type'] ?? null, body: body === '' ? null : JSON.parse(body) });
    case '/empty':
      res.writeHead(204).end();
      return;
    case '/flaky':
      return n === 1 ? json(res, 503, { error: 'busy' }) : json(res, 200, { ok: true });
    case '/limited':
      return n === 1 ? json(res, 429, { errors: 'Exceeded 2 calls per second' }, { 'retry-after': '0.2' }) : json(res, 200, { ok: true });
    case '/limited-date':
      return n === 1 ? json(res, 429, {}, { 'retry-after': retryAfterDate }) : json(res, 200, { ok: true });
    case '/ok':
      return json(res, 200, { ok: true });
    case '/unauthorized':
      return json(res, 401, { errors: '[API] Invalid API key or access token' });
    case '/missing':
      return json(res, 404, { error: 'no such thing' });
    case '/hang':
      if (n === 1) return; // never answers
      return json(res, 200, { ok: true });
    case '/hang-always':
      return;
    case '/reset':
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      return json(res, 200, { ok: true });
    case '/truncated':
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"items":[1,2');
        return;
      }
      return json(res, 200, { items: [1, 2, 3] });
    case '/always-500':
      return json(res, 500, { error: 'boom' });
    case '/throttled':
      return n === 1 ? json(res, 200, { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }] }) : json(res, 200, { data: { ok: true } });
    default:
      return json(res, 404, {});
  }
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  hits = new Map();
  waiters = [];
});

function setup(overrides: Partial<HttpClientOptions> = {}) {
  const controller = new AbortController();
  const limiter = overrides.limiter ?? new Limiter(new TokenBucket({ ratePerSec: 1000, burst: 100 }), { now: overrides.now });
  const events = { retries: [] as { attempt: number; error: SyncError; delayMs: number }[], rateLimited: [] as number[], authErrors: [] as SyncError[] };
  const client = createHttpClient({
    baseUrl,
    limiter,
    signal: controller.signal,
    budget: new RetryBudget(),
    backoff: { baseMs: 5, capMs: 20 },
    timeoutMs: 2000,
    onRetry: (info) => events.retries.push(info),
    onRateLimited: (until) => events.rateLimited.push(until),
    onAuthError: (err) => events.authErrors.push(err),
    outbound,
    ...overrides,
  });
  return { client, controller, limiter, events };
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const err: unknown = await promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('createHttpClient', () => {
  it('sends JSON with default headers and query, and parses the JSON answer', async () => {
    const { client } = setup({ defaultHeaders: { 'x-api-key': 'k1' } });
    const res = await client.request({ method: 'POST', path: '/echo', query: { a: 1, b: true, skip: undefined }, body: { sku: 'A-1' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'POST', query: '?a=1&b=true', apiKey: 'k1', contentType: 'application/json', body: { sku: 'A-1' } });
    const empty = await client.request({ path: 'empty' });
    expect(empty).toMatchObject({ status: 204, body: null });
  });

  it('retries a 503 and returns the next success', async () => {
    const { client, events } = setup();
    await expect(client.request({ path: '/flaky' })).resolves.toMatchObject({ status: 200, body: { ok: true } });
    expect(count('/flaky')).toBe(2);
    expect(events.retries.map((r) => r.error.code)).toEqual(['upstream_transient']);
  });

  it('waits out Retry-After on a 429 and holds every request of the connection meanwhile', async () => {
    const { client, limiter, events } = setup();
    let second: Promise<unknown> | undefined;
    let pausedDuringWait: number | null = null;
    const started = Date.now();
    const first = createHttpClient({
      baseUrl,
      limiter,
      signal: new AbortController().signal,
      budget: new RetryBudget(),
      outbound,
      onRateLimited: (until) => {
        pausedDuringWait = limiter.pausedUntil();
        events.rateLimited.push(until);
        second = client.request({ path: '/ok' });
      },
    }).request({ path: '/limited' });
    await expect(first).resolves.toMatchObject({ status: 200 });
    await second;
    const limitedAt = hits.get('/limited')![0]!;
    expect(hits.get('/limited')![1]! - limitedAt).toBeGreaterThanOrEqual(190);
    expect(hits.get('/ok')![0]! - limitedAt).toBeGreaterThanOrEqual(190);
    expect(pausedDuringWait).toBe(events.rateLimited[0]);
    expect(events.rateLimited[0]! - started).toBeGreaterThanOrEqual(200);
  });

  it('understands Retry-After as an HTTP date', async () => {
    // The header has whole seconds; shift the client's clock so that the date lies 300 ms ahead of it.
    const target = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    retryAfterDate = new Date(target).toUTCString();
    const shift = target - 300 - Date.now();
    const now = () => Date.now() + shift;
    const { client, events } = setup({ now, limiter: new Limiter(new TokenBucket({ ratePerSec: 1000 }), { now }) });
    await expect(client.request({ path: '/limited-date' })).resolves.toMatchObject({ status: 200 });
    const delayMs = events.retries[0]!.delayMs;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(300);
    const [first, second] = hits.get('/limited-date')!;
    expect(second! - first!).toBeGreaterThanOrEqual(delayMs - 2);
  });

  it('does not retry a 401 and reports the auth error', async () => {
    const { client, events } = setup();
    const err = await failure(client.request({ path: '/unauthorized' }));
    expect(err.code).toBe('upstream_auth');
    expect(count('/unauthorized')).toBe(1);
    expect(events.authErrors).toEqual([err]);
  });

  it('does not retry a 404, and keeps headers, query and the body of the answer out of the error', async () => {
    const { client, events } = setup({ defaultHeaders: { authorization: 'Bearer s3cret-token' } });
    const err = await failure(client.request({ path: '/missing', query: { access_token: 's3cret-query' } }));
    expect(err.code).toBe('upstream_rejected');
    expect(err.message).toBe('GET /api/missing answered 404');
    expect(err.details).toEqual({ method: 'GET', path: '/api/missing', status: 404 });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toMatch(/s3cret|no such thing/);
    // A connector can still read the platform's words to say what was refused.
    expect((err.details as { body?: string }).body).toBe('{"error":"no such thing"}');
    expect(count('/missing')).toBe(1);
    expect(events.retries).toEqual([]);
  });

  it('times out a hanging request and retries it', async () => {
    const { client, events } = setup({ timeoutMs: 100 });
    await expect(client.request({ path: '/hang' })).resolves.toMatchObject({ status: 200 });
    expect(events.retries.map((r) => r.error.code)).toEqual(['upstream_timeout']);
    expect(events.retries[0]!.error.message).toBe('GET /api/hang timed out after 100 ms');
  });

  it('retries a reset connection', async () => {
    const { client, events } = setup();
    await expect(client.request({ path: '/reset' })).resolves.toMatchObject({ status: 200 });
    expect(events.retries.map((r) => r.error.code)).toEqual(['upstream_transient']);
  });

  it('retries a success whose JSON body was cut off', async () => {
    const { client, events } = setup();
    await expect(client.request({ path: '/truncated' })).resolves.toMatchObject({ body: { items: [1, 2, 3] } });
    expect(events.retries.map((r) => r.error.code)).toEqual(['upstream_transient']);
  });

  it('ends with retry_budget_exhausted when failures never stop', async () => {
    const { client } = setup({ budget: new RetryBudget({ base: 3 }) });
    const err = await failure(client.request({ path: '/always-500' }));
    expect(err.code).toBe('retry_budget_exhausted');
    expect((err.cause as SyncError).code).toBe('upstream_transient');
    expect(err.details).toMatchObject({ status: 500, lastCode: 'upstream_transient' });
    expect(count('/always-500')).toBe(4);
  });

  it('stops at once with cancelled when the run is aborted during a backoff', async () => {
    let sleeping!: () => void;
    const asleep = new Promise<void>((resolve) => (sleeping = resolve));
    const { client, controller } = setup({
      backoff: { baseMs: 60_000, capMs: 60_000, random: () => 1 },
      sleep: (ms, signal) => {
        const slept = abortableSleep(ms, signal);
        sleeping();
        return slept;
      },
    });
    const pending = client.request({ path: '/always-500' });
    await asleep;
    const abortedAt = Date.now();
    controller.abort();
    const err = await failure(pending);
    expect(err.code).toBe('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(count('/always-500')).toBe(1);
  });

  it('passes a SyncError abort reason through, mid-request and while waiting on the limiter', async () => {
    const mid = setup();
    const pending = mid.client.request({ path: '/hang-always' });
    await nextHit('/hang-always');
    mid.controller.abort(new SyncError('deadline_exceeded', 'deadline'));
    expect((await failure(pending)).code).toBe('deadline_exceeded');

    const waiting = setup();
    waiting.limiter.pause(Date.now() + 60_000);
    const blocked = waiting.client.request({ path: '/ok' });
    waiting.controller.abort();
    expect((await failure(blocked)).code).toBe('cancelled');
    expect(count('/ok')).toBe(0);
  });

  it('lets classify turn a THROTTLED answer inside a 200 into a rate-limited retry', async () => {
    const throttled = (body: unknown) =>
      typeof body === 'object' && body !== null && 'errors' in body && JSON.stringify(body.errors).includes('"THROTTLED"');
    const { client, events } = setup({ classify: (res) => (throttled(res.body) ? 'rate_limited' : undefined) });
    await expect(client.request({ method: 'POST', path: '/throttled', body: { query: '{ shop { id } }' } })).resolves.toMatchObject({ body: { data: { ok: true } } });
    expect(count('/throttled')).toBe(2);
    expect(events.retries.map((r) => r.error.code)).toEqual(['upstream_rate_limited']);
    expect(events.rateLimited).toHaveLength(1);
  });

  it('feeds every response to the limiter through observeRateLimit', async () => {
    const seen: number[] = [];
    const { client } = setup({
      observeRateLimit: (res, req) => {
        seen.push(res.status);
        expect(req.path).toBe('/flaky');
        return { remaining: 5 };
      },
    });
    await client.request({ path: '/flaky' });
    expect(seen).toEqual([503, 200]);
  });
});

describe('retryAfterFromHeaders', () => {
  const now = 1_700_000_000_000;
  it('takes the longest wait of Retry-After and reset headers in their forms', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '2.0' }), now)).toBe(2000);
    expect(retryAfterFromHeaders(new Headers({ 'x-ratelimit-reset': '0.5' }), now)).toBe(500);
    expect(retryAfterFromHeaders(new Headers({ 'X-RateLimit-Reset': String(now / 1000 + 30) }), now)).toBe(30_000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '1', 'ratelimit-reset': '4' }), now)).toBe(4000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers(), now)).toBeUndefined();
  });
});
