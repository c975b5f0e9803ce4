// Triggering eMAG syncs through the API: duplicate triggers of one account get 409 with the active run,
// a short `wait` gets 408 while the run goes on, and POST /syncs {platform: 'emag'} runs every account
// of the tenant side by side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emagConnector } from '../../src/connectors/emag/index.js';
import { type EmagSandbox, startEmagSandbox } from '../../src/sandbox/emag/index.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';

const TIME_SCALE = 20;

describe('eMAG syncs through the API', () => {
  let h: TestApp;
  let sb: EmagSandbox;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  const conns: Record<string, string> = {};

  const getRun = async (id: string) => (await h.app.inject({ method: 'GET', url: `/api/v1/runs/${id}`, headers: tenant.auth })).json();
  const trigger = (id: string, body: object) => h.app.inject({ method: 'POST', url: `/api/v1/connections/${id}/syncs`, headers: tenant.auth, payload: body });

  beforeAll(async () => {
    sb = await startEmagSandbox({ timeScale: TIME_SCALE });
    sb.seed({ orders: 1_500, offers: 50, seed: 12 });
    h = await createTestApp({ connectors: [emagConnector], worker: true, engine: { leaseMs: 2_000, http: { timeoutMs: 5_000, backoff: { baseMs: 5, capMs: 50 } } } });
    tenant = await h.newTenant('emag');
    for (const a of sb.accounts()) {
      const conn = await h.t.db.withTenant(tenant.id, (tx) =>
        insertConnection(tx, h.box, {
          tenantId: tenant.id, platform: 'emag', name: `emag-${a.name}`,
          settings: { account: a.kind, baseUrl: sb.apiUrl, requestsPerSecond: { orders: 12 * TIME_SCALE, other: 3 * TIME_SCALE } },
          credentials: sb.credentials(a.name),
        }),
      );
      conns[a.name] = conn.id;
    }
  });
  afterAll(async () => {
    await h?.close();
    await sb?.close();
  });

  it('20 concurrent triggers of one account produce exactly one run; the others get 409 with its id', async () => {
    // Slow pages keep the run active while the triggers arrive.
    sb.setFaults({ latencyMs: 1_000 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => trigger(conns.main!, { streams: ['orders'], mode: 'full' })));
    const started = answers.filter((a) => a.statusCode === 202);
    const refused = answers.filter((a) => a.statusCode === 409);
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(19);
    const runId = started[0]!.json().runs[0].id;
    for (const r of refused) expect(r.json().error).toMatchObject({ code: 'run_already_active', details: { runId } });
    const { items } = (await h.app.inject({ method: 'GET', url: `/api/v1/runs?connectionId=${conns.main}&stream=orders`, headers: tenant.auth })).json();
    expect(items).toHaveLength(1);
    sb.clearFaults();
    await waitFor(async () => (await getRun(runId)).status === 'succeeded', 30_000, 'the run to finish');
  });

  it('a wait shorter than the run answers 408 with a clear message; the run goes on and finishes', async () => {
    sb.setFaults({ latencyMs: 1_000 });
    const res = await trigger(conns.fbe!, { streams: ['orders'], mode: 'full', wait: 0.2 });
    expect(res.statusCode).toBe(408);
    const body = res.json();
    expect(body.error.code).toBe('request_timeout');
    expect(body.error.message).toMatch(/did not finish within 0.2 s; it continues — follow it at GET \/api\/v1\/runs\//);
    const runId = body.error.details.runs[0].id;
    expect((await getRun(runId)).status).toBe('running');
    sb.clearFaults();
    const done = await waitFor(async () => {
      const r = await getRun(runId);
      return r.status === 'succeeded' ? r : null;
    }, 30_000, 'the run to finish after the 408');
    expect(done.progress.processed).toBe(1_500);
  });

  it('POST /syncs {platform: emag} syncs every account of the tenant in parallel', async () => {
    sb.clearRequests();
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: tenant.auth, payload: { platform: 'emag', mode: 'full', wait: 60 } });
    expect(res.statusCode).toBe(200);
    const { connections } = res.json();
    expect(connections.map((c: { name: string }) => c.name)).toEqual(['emag-fbe', 'emag-main']);
    for (const c of connections) expect(c.runs.map((r: { stream: string; status: string }) => [r.stream, r.status])).toEqual([['offers', 'succeeded'], ['orders', 'succeeded']]);
    // Side by side, not one after the other: each account's requests start before the other's end.
    const log = sb.requests();
    const span = (a: string) => {
      const at = log.filter((r) => r.account === a).map((r) => r.at);
      return { first: Math.min(...at), last: Math.max(...at) };
    };
    expect(span('main').first).toBeLessThan(span('fbe').last);
    expect(span('fbe').first).toBeLessThan(span('main').last);
    // A repeat while both are running: 409 naming an active run.
    sb.setFaults({ latencyMs: 1_000 });
    const first = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: tenant.auth, payload: { platform: 'emag', streams: ['orders'] } });
    expect(first.statusCode).toBe(202);
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: tenant.auth, payload: { platform: 'emag', streams: ['orders'] } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('run_already_active');
    sb.clearFaults();
    const runIds = first.json().connections.flatMap((c: { runs: { id: string }[] }) => c.runs.map((r) => r.id));
    await waitFor(async () => (await Promise.all(runIds.map(getRun))).every((r) => r.status === 'succeeded'), 30_000, 'both runs to finish');
  });

  it('answers 404 for a platform the tenant has no connection of, and 400 for an unknown platform', async () => {
    const none = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: tenant.auth, payload: { platform: 'woocommerce' } });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toMatch(/no enabled woocommerce connection/);
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: tenant.auth, payload: { platform: 'amazon' } });
    expect(bad.statusCode).toBe(400);
  });
});
