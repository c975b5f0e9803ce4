// The run API: trigger (202 / 409 / 429 / 408), run status, live progress over SSE, cancel, and
// dead letters — with a worker executing the runs against the paged test source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection } from '../../src/store/connections.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { testConnector } from '../helpers/test-connector.js';
import { startTestSource, TEST_SOURCE_TOKEN, type TestSource } from '../helpers/test-source.js';

describe('runs API', () => {
  let h: TestApp;
  let source: TestSource;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let other: Awaited<ReturnType<TestApp['newTenant']>>;

  async function connection(name: string, settings: Record<string, unknown> = {}) {
    return h.t.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, h.box, { tenantId: tenant.id, platform: 'woocommerce', name, settings: { baseUrl: source.url, pageSize: 50, ...settings }, credentials: { token: TEST_SOURCE_TOKEN } }),
    );
  }
  const trigger = (id: string, body: object = {}, auth = tenant.auth) => h.app.inject({ method: 'POST', url: `/api/v1/connections/${id}/syncs`, headers: auth, payload: body });
  const getRun = async (id: string) => (await h.app.inject({ method: 'GET', url: `/api/v1/runs/${id}`, headers: tenant.auth })).json();

  beforeAll(async () => {
    source = await startTestSource({ count: 500, seed: 21 });
    h = await createTestApp({ connectors: [testConnector()], worker: true, engine: { leaseMs: 2_000, http: { timeoutMs: 1_000, backoff: { baseMs: 5, capMs: 50 } } } });
    tenant = await h.newTenant('runs');
    other = await h.newTenant('other');
  });
  afterAll(async () => {
    await h?.close();
    await source?.close();
  });

  it('starts a run (202) that a worker executes to success', async () => {
    const conn = await connection('basic');
    const res = await trigger(conn.id, { mode: 'full' });
    expect(res.statusCode).toBe(202);
    const [run] = res.json().runs;
    expect(run).toMatchObject({ connectionId: conn.id, stream: 'products', mode: 'full', trigger: 'api' });
    const done = await waitFor(async () => {
      const r = await getRun(run.id);
      return r.status === 'succeeded' ? r : null;
    }, 20_000, 'the run to succeed');
    expect(done.counts.added).toBe(500);
    expect(done.progress).toMatchObject({ processed: 500, total: 500 });
  });

  it('20 concurrent triggers produce exactly one run; the others get 409 with its id', async () => {
    source.setFaults({ slowMs: 50 });
    const conn = await connection('concurrent');
    const answers = await Promise.all(Array.from({ length: 20 }, () => trigger(conn.id, { mode: 'full' })));
    const started = answers.filter((a) => a.statusCode === 202);
    const refused = answers.filter((a) => a.statusCode === 409);
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(19);
    const runId = started[0]!.json().runs[0].id;
    for (const r of refused) {
      expect(r.json().error.code).toBe('run_already_active');
      expect(r.json().error.details.runId).toBe(runId);
    }
    const { items } = (await h.app.inject({ method: 'GET', url: `/api/v1/runs?connectionId=${conn.id}`, headers: tenant.auth })).json();
    expect(items).toHaveLength(1);
    await waitFor(async () => (await getRun(runId)).status === 'succeeded', 30_000, 'the run to finish');
    source.setFaults({ slowMs: 0 });
  });

  it('a wait shorter than the run answers 408 with a clear message, and the run goes on to finish', async () => {
    source.setFaults({ slowMs: 40 });
    const conn = await connection('waiting');
    const res = await trigger(conn.id, { mode: 'full', wait: 0.3 });
    expect(res.statusCode).toBe(408);
    const body = res.json();
    expect(body.error.code).toBe('request_timeout');
    expect(body.error.message).toMatch(/did not finish within 0.3 s; it continues/);
    const runId = body.error.details.runs[0].id;
    await waitFor(async () => (await getRun(runId)).status === 'succeeded', 30_000, 'the run to finish after the 408');
    source.setFaults({ slowMs: 0 });
    const quick = await trigger(conn.id, { wait: 30 });
    expect(quick.statusCode).toBe(200);
    expect(quick.json().runs[0].status).toBe('succeeded');
  });

  it('streams progress over server-sent events until the run ends', async () => {
    source.setFaults({ slowMs: 30 });
    const conn = await connection('sse');
    const runId = (await trigger(conn.id, { mode: 'full' })).json().runs[0].id;
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/api/v1/runs/${runId}/events`, { headers: tenant.auth });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text(); // the server ends the stream after the final state
    const events = text.split('\n\n').filter((e) => e.startsWith('event: progress'));
    const states = events.map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
    expect(states.length).toBeGreaterThan(2);
    expect(states.some((s) => s.status === 'running' && s.progress.page > 0)).toBe(true);
    expect(states[states.length - 1]).toMatchObject({ status: 'succeeded', progress: { processed: 500 } });
    expect(text).toContain('event: end');
    source.setFaults({ slowMs: 0 });
  });

  it('cancels a running run', async () => {
    source.setFaults({ slowMs: 50 });
    const conn = await connection('cancel');
    const runId = (await trigger(conn.id, { mode: 'full' })).json().runs[0].id;
    await waitFor(async () => (await getRun(runId)).progress.page >= 1, 20_000, 'a page to commit');
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers: tenant.auth });
    expect(res.statusCode).toBe(202);
    const ended = await waitFor(async () => {
      const r = await getRun(runId);
      return r.status === 'cancelled' ? r : null;
    }, 20_000, 'the run to be cancelled');
    expect(ended.progress.page).toBeLessThan(10);
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers: tenant.auth });
    expect(again.statusCode).toBe(409);
    source.setFaults({ slowMs: 0 });
  });

  it('throttles a repeat trigger within the minimum interval with 429 and Retry-After', async () => {
    const throttled = await createTestApp({ connectors: [testConnector()], engine: { manualMinIntervalMs: 60_000 } });
    try {
      const t = await throttled.newTenant('throttle');
      const conn = await throttled.t.db.withTenant(t.id, (tx) =>
        insertConnection(tx, throttled.box, { tenantId: t.id, platform: 'woocommerce', name: 'x', settings: { baseUrl: source.url }, credentials: { token: TEST_SOURCE_TOKEN } }),
      );
      const first = await throttled.app.inject({ method: 'POST', url: `/api/v1/connections/${conn.id}/syncs`, headers: t.auth, payload: {} });
      expect(first.statusCode).toBe(202);
      await throttled.engine.execute(t.id, first.json().runs[0].id);
      const second = await throttled.app.inject({ method: 'POST', url: `/api/v1/connections/${conn.id}/syncs`, headers: t.auth, payload: {} });
      expect(second.statusCode).toBe(429);
      expect(second.json().error.code).toBe('throttled');
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(50);
    } finally {
      await throttled.close();
    }
  });

  it('lists and retries dead letters', async () => {
    source.setFaults({ rateMalformedRecord: 0.05 });
    const conn = await connection('dead');
    const res = await trigger(conn.id, { mode: 'full', wait: 30 });
    source.clearFaults();
    expect(res.statusCode).toBe(200);
    const run = res.json().runs[0];
    expect(run.status).toBe('partial');
    const list = (await h.app.inject({ method: 'GET', url: `/api/v1/dead-letters?runId=${run.id}&limit=500`, headers: tenant.auth })).json();
    expect(list.items.length).toBe(run.counts.deadLetters);
    expect(list.items[0]).toMatchObject({ kind: 'record', status: 'open', errorCode: 'record_invalid' });
    const retry = await h.app.inject({ method: 'POST', url: '/api/v1/dead-letters/retry', headers: tenant.auth, payload: { runId: run.id } });
    expect(retry.json()).toMatchObject({ attempted: list.items.length, resolved: list.items.length, failed: [] });
  });

  it("hides another tenant's runs and connections (404) and validates input (400)", async () => {
    const conn = await connection('private');
    const runId = (await trigger(conn.id)).json().runs[0].id;
    expect((await trigger(conn.id, {}, other.auth)).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: other.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/cancel`, headers: other.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}/events`, headers: other.auth })).statusCode).toBe(404);
    const otherList = (await h.app.inject({ method: 'GET', url: '/api/v1/runs', headers: other.auth })).json();
    expect(otherList.items).toEqual([]);
    const bad = await trigger(conn.id, { mode: 'sideways', streams: ['nope'] });
    expect(bad.statusCode).toBe(400);
    const unknownStream = await trigger(conn.id, { streams: ['orders'] });
    expect(unknownStream.statusCode).toBe(400);
    expect(unknownStream.json().error.message).toMatch(/unknown stream orders/);
  });
});
