// WooCommerce webhook auto-repair: the store disables a webhook after consecutive failed deliveries and
// then sends nothing. The schedule tick finds it (GET /webhooks), re-enables it (PUT status active),
// records the finding on the connection (API and CLI), and starts an incremental pull that brings what
// was not delivered meanwhile. A second tick within the interval does not check again; a store that
// cannot be reached, or refuses the keys, is recorded on the connection without failing the tick.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionsView } from '../../src/cli/commands/connections.js';
import { wooConnector } from '../../src/connectors/woocommerce/index.js';
import { runDueSchedules } from '../../src/engine/schedules.js';
import { startWooSandbox, type WooSandbox } from '../../src/sandbox/woocommerce/index.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/db.js';
import { hubCopy } from '../helpers/woocommerce.js';

const SECRET = 'whsec-repair-test';

interface Setup {
  h: TestApp;
  sb: WooSandbox;
  tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  addConnection(name: string, siteUrl: string, credentials: Record<string, unknown>): Promise<string>;
}

/** Deliveries handed to the engine as the server's receiver would; `failing` makes it answer 503 (an outage). */
interface Forwarder {
  url: string;
  failing: boolean;
  server: Server;
}

let cleanups: (() => Promise<void>)[] = [];

async function setup(): Promise<Setup> {
  const h = await createTestApp({ connectors: [wooConnector], engine: { http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 50 } } } });
  // Three failures disable a webhook here (WooCommerce's code: the 7th), to keep the outage short.
  const sb = await startWooSandbox({ timeScale: 20, webhookDisableAfter: 3 });
  cleanups.push(() => sb.close(), () => h.close());
  const tenant = await h.newTenant('woo-repair');
  const addConnection = async (name: string, siteUrl: string, credentials: Record<string, unknown>) =>
    (await h.t.db.withTenant(tenant.id, (tx) => insertConnection(tx, h.box, { tenantId: tenant.id, platform: 'woocommerce', name, settings: { siteUrl }, credentials }))).id;
  return { h, sb, tenant, addConnection };
}

async function startForwarder(s: Setup, connectionId: string): Promise<Forwarder> {
  const fwd: Forwarder = { url: '', failing: false, server: createServer() };
  fwd.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fwd.failing) return void res.writeHead(503).end();
      s.h.engine.receiveWebhook('woocommerce', connectionId, { headers: req.headers, rawBody: Buffer.concat(chunks), query: {} }).then(
        () => res.writeHead(200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => fwd.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    fwd.server.closeAllConnections();
    await new Promise<void>((resolve) => fwd.server.close(() => resolve()));
  });
  fwd.url = `http://127.0.0.1:${(fwd.server.address() as AddressInfo).port}/webhooks/woocommerce/${connectionId}`;
  return fwd;
}

async function createWebhook(sb: WooSandbox, body: Record<string, unknown>): Promise<number> {
  const auth = Buffer.from(`${sb.consumerKey}:${sb.consumerSecret}`).toString('base64');
  const res = await fetch(`${sb.url}/wp-json/wc/v3/webhooks`, { method: 'POST', headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

/** A window ends at the last whole second before its run started: an edit of the current second belongs to the next run. */
async function nextSecond(): Promise<void> {
  const next = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await waitFor(() => Date.now() >= next, 2_000, 'the next second');
}

const webhookLists = (sb: WooSandbox) => sb.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/wc/v3/webhooks')).length;

async function getConnection(s: Setup, id: string) {
  const res = await s.h.app.inject({ method: 'GET', url: `/api/v1/connections/${id}`, headers: s.tenant.auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

function cliTable(connections: unknown[]): string {
  let out = '';
  connectionsView.show(connections as never, { out: (t) => (out += t), err: () => undefined, json: false, live: false }, undefined as never);
  return out;
}

describe('WooCommerce webhook auto-repair', () => {
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });

  it('the tick re-enables a webhook the store disabled, reports it, and an incremental catch-up brings the missed edit', async () => {
    const s = await setup();
    const connectionId = await s.addConnection('woo', s.sb.url, { consumerKey: s.sb.consumerKey, consumerSecret: s.sb.consumerSecret, webhookSecret: SECRET });
    s.sb.seed({ products: 4, variableProducts: 0, customers: 0, orders: 0, seed: 9 });
    const full = await s.h.engine.trigger({ tenantId: s.tenant.id, connectionId, mode: 'full', trigger: 'cli', force: true });
    for (const run of full.created) expect((await s.h.engine.execute(s.tenant.id, run.id))?.status).toBe('succeeded');

    const fwd = await startForwarder(s, connectionId);
    const ours = await createWebhook(s.sb, { topic: 'product.updated', delivery_url: fwd.url, secret: SECRET });
    // Paused by the merchant: a deliberate choice, reported and left alone.
    const paused = await createWebhook(s.sb, { topic: 'product.deleted', delivery_url: fwd.url, secret: SECRET, status: 'paused' });
    // Another integration's webhook on the same store, disabled: not this connection's to re-enable.
    const foreign = await createWebhook(s.sb, { topic: 'product.updated', delivery_url: 'http://127.0.0.1:9/other-plugin/hook', secret: 'other', status: 'disabled' });
    await waitFor(() => s.sb.deliveries().some((d) => d.kind === 'ping' && d.status === 'delivered'), 5_000, 'the ping');

    // Our receiver is down for a while: every delivery fails until the store disables the webhook.
    const [a, b, c] = s.sb.products().filter((p) => p.type === 'simple');
    fwd.failing = true;
    for (let i = 1; i <= 3; i++) {
      s.sb.editProduct(a!.id as number, { name: `Outage edit ${i}` });
      await waitFor(() => s.sb.deliveries().filter((d) => d.webhookId === ours && d.status === 'failed').length === i, 5_000, `failed delivery ${i}`);
    }
    const statusOf = (id: number) => s.sb.webhooks().find((w) => w.id === id)?.status;
    expect(statusOf(ours)).toBe('disabled');

    // The receiver is back, but the store does not know: an edit now is not even queued.
    fwd.failing = false;
    s.sb.editProduct(b!.id as number, { name: 'Edited while disabled', regular_price: '12.34', sale_price: '' });
    expect(s.sb.deliveries().filter((d) => d.resourceId === b!.id)).toEqual([]);
    expect((await hubCopy(s.h.t.db, connectionId)).skus.find((x) => x.id === String(b!.id))?.name).not.toBe('Edited while disabled');

    await nextSecond();
    const listsBefore = webhookLists(s.sb);
    // Two workers running the tick at once: the check is claimed in the database, so one of them makes it.
    expect(await Promise.all([runDueSchedules(s.h.engine), runDueSchedules(s.h.engine)])).toEqual([[], []]); // no scheduled pulls here
    expect(webhookLists(s.sb)).toBe(listsBefore + 1);
    expect(statusOf(ours)).toBe('active');
    expect(statusOf(paused)).toBe('paused');
    expect(statusOf(foreign)).toBe('disabled');

    const runs = (await s.h.t.db.query<{ id: string; stream: string; mode: string; status: string }>(`SELECT id, stream, mode, status FROM sync_runs WHERE trigger = 'webhook-repair'`)).rows;
    expect(runs).toEqual([{ id: expect.any(String), stream: 'products', mode: 'incremental', status: 'queued' }]);
    const conn = await getConnection(s, connectionId);
    expect(conn.webhookHealth).toEqual({
      checkedAt: expect.any(String), subscriptions: 2, disabledTopics: ['product.updated'], pausedTopics: ['product.deleted'], unrepairedTopics: [],
      repairedAt: conn.webhookHealth.checkedAt, repairedTopics: ['product.updated'], catchUpRunIds: [runs[0]!.id], error: null,
    });
    expect(s.h.logs()).toContain('webhooks were disabled by the platform');
    expect(cliTable([conn])).toMatch(/^ID\s+PLATFORM\s+NAME\s+STATUS\s+WEBHOOKS\s+CREATEDAT\n.*\sactive\s+re-enabled: product\.updated, catching up; paused: product\.deleted\s/);

    // The catch-up pull reads the edit the store never delivered.
    expect((await s.h.engine.execute(s.tenant.id, runs[0]!.id))?.status).toBe('succeeded');
    const hub = (await hubCopy(s.h.t.db, connectionId)).skus;
    expect(hub.find((x) => x.id === String(b!.id))).toMatchObject({ name: 'Edited while disabled', price: '12.34' });
    expect(hub.find((x) => x.id === String(a!.id))).toMatchObject({ name: 'Outage edit 3' });

    // Deliveries flow again.
    s.sb.editProduct(c!.id as number, { name: 'Delivered again' });
    await waitFor(async () => (await hubCopy(s.h.t.db, connectionId)).skus.find((x) => x.id === String(c!.id))?.name === 'Delivered again', 5_000, 'the delivery after the repair');

    // A second tick within the interval does not check again.
    expect(await runDueSchedules(s.h.engine)).toEqual([]);
    expect(webhookLists(s.sb)).toBe(listsBefore + 1);
    expect((await getConnection(s, connectionId)).webhookHealth.checkedAt).toBe(conn.webhookHealth.checkedAt);
    expect((await s.h.t.db.query(`SELECT 1 FROM sync_runs WHERE trigger = 'webhook-repair'`)).rows).toHaveLength(1);

    // Once the interval has passed it does; all is well now, and the last repair stays on record.
    await s.h.t.db.query(`UPDATE connections SET webhook_checked_at = now() - interval '16 minutes' WHERE id = $1`, [connectionId]);
    await runDueSchedules(s.h.engine);
    expect(webhookLists(s.sb)).toBe(listsBefore + 2);
    const later = (await getConnection(s, connectionId)).webhookHealth;
    expect(later).toMatchObject({ subscriptions: 2, disabledTopics: [], pausedTopics: ['product.deleted'], repairedAt: conn.webhookHealth.repairedAt, catchUpRunIds: [runs[0]!.id], error: null });
    expect(later.checkedAt > conn.webhookHealth.checkedAt).toBe(true);
    expect(cliTable([await getConnection(s, connectionId)])).toContain(`paused: product.deleted; last repair ${conn.webhookHealth.repairedAt}`);
    expect((await s.h.t.db.query(`SELECT 1 FROM sync_runs WHERE trigger = 'webhook-repair'`)).rows).toHaveLength(1);
  });

  it('an unreachable store or refused keys are recorded on the connection; the tick goes on', async () => {
    const s = await setup();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const keys = { consumerKey: s.sb.consumerKey, consumerSecret: s.sb.consumerSecret };
    const gone = await s.addConnection('gone', `http://127.0.0.1:${deadPort}`, { ...keys, webhookSecret: SECRET });
    const refused = await s.addConnection('refused', s.sb.url, { ...keys, consumerSecret: 'cs_wrong', webhookSecret: SECRET });
    // Without a webhook secret every delivery is refused anyway: nothing to check, the store is not asked.
    const unsigned = await s.addConnection('unsigned', s.sb.url, keys);
    await s.h.t.db.query(`UPDATE connections SET schedule = '{"everyMinutes": 60, "streams": ["customers"]}' WHERE id = $1`, [unsigned]);

    const ticked = await runDueSchedules(s.h.engine);
    // The scheduled pull of the same tick was triggered as usual.
    expect(ticked).toEqual([{ connection: unsigned, created: 1, active: 0, throttled: 0 }]);

    const goneHealth = (await getConnection(s, gone)).webhookHealth;
    expect(goneHealth).toMatchObject({ subscriptions: null, disabledTopics: [], repairedAt: null, catchUpRunIds: [], error: { code: 'upstream_transient' } });
    expect(goneHealth.error.message).not.toBe('');
    const refusedHealth = (await getConnection(s, refused)).webhookHealth;
    expect(refusedHealth).toMatchObject({ subscriptions: null, error: { code: 'upstream_auth' } });
    // A refused key also marks the connection for new credentials, as any call refused does.
    await waitFor(async () => (await getConnection(s, refused)).status === 'needs_reauth', 5_000, 'needs_reauth');
    expect((await getConnection(s, unsigned)).webhookHealth).toBeNull();
    expect(s.sb.requests().filter((r) => r.path.endsWith('/wc/v3/webhooks'))).toHaveLength(1); // the refused one only
    expect(cliTable([await getConnection(s, gone)])).toMatch(/\sactive\s+check failed \(upstream_transient\) /);
    expect(s.h.logs()).toContain('webhook check failed');
  });
});
