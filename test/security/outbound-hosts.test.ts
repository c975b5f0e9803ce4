// Outbound hosts (SSRF): a connection's settings may not point the server at loopback, link-local or
// private hosts, or at plain http, unless the operator allow-listed the host. Refused when written
// through the API (400 host_not_allowed), and again when a request is sent, for rows written any other
// way. A platform's error answer is never echoed back: the run keeps the status and the code only.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { OutboundPolicy } from '../../src/connectors/outbound.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testConnector } from '../helpers/test-connector.js';
import { TEST_SOURCE_TOKEN } from '../helpers/test-source.js';

const SECRET_BODY = 'INTERNAL-ONLY: db password is hunter2';

describe('outbound hosts', () => {
  // An internal service the server must not be made to read, and a raw socket that counts connections.
  let internal: Server;
  let internalUrl: string;
  let internalHits = 0;
  let tcp: TcpServer;
  let tcpPort: number;
  let tcpConnections = 0;
  let h: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    internal = createServer((_req, res) => {
      internalHits++;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(SECRET_BODY);
    }).listen(0, '127.0.0.1');
    await new Promise((r) => internal.once('listening', r));
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
    tcp = createTcpServer((socket) => {
      tcpConnections++;
      socket.destroy();
    }).listen(0, '127.0.0.1');
    await new Promise((r) => tcp.once('listening', r));
    tcpPort = (tcp.address() as AddressInfo).port;
    // What a production server has: no allow-list.
    h = await createTestApp({ connectors: [testConnector(), printfulConnector], engine: { outbound: new OutboundPolicy() } });
    tenant = await h.newTenant('ssrf');
  });
  afterAll(async () => {
    await h?.close();
    internal?.close();
    tcp?.close();
  });

  const create = (name: string, settings: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/api/v1/connections', headers: tenant.auth, payload: { platform: 'printful', name, settings, credentials: { token: 'pf-token' } } });

  it('refuses loopback, link-local, private and plain-http base URLs when a connection is created or updated', async () => {
    for (const [baseUrl, reason] of [
      [internalUrl, /must use https/],
      [`https://127.0.0.1:${tcpPort}`, /not a public address/],
      ['https://169.254.169.254/latest', /not a public address/],
      ['https://10.1.2.3', /not a public address/],
      ['https://[::1]:8443', /not a public address/],
      [`https://localhost:${tcpPort}`, /resolves to (127\.0\.0\.1|::1)/],
    ] as const) {
      const res = await create('pf', { baseUrl });
      expect(res.statusCode, baseUrl).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'host_not_allowed', details: { path: 'settings.baseUrl' } });
      expect(res.json().error.message).toMatch(/^settings\.baseUrl/);
      expect(res.json().error.message).toMatch(reason);
      expect(res.json().error.message).toMatch(/COMMERCE_SYNC_ALLOWED_HOSTS/);
    }
    // A public https host is fine; moving it onto an internal host is not.
    const ok = await create('pf-ok', { baseUrl: 'https://93.184.215.14/v1' });
    expect(ok.statusCode, ok.body).toBe(201);
    const moved = await h.app.inject({ method: 'PATCH', url: `/api/v1/connections/${ok.json().id}`, headers: tenant.auth, payload: { settings: { baseUrl: 'https://192.168.0.10' } } });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.code).toBe('host_not_allowed');
    expect(internalHits + tcpConnections).toBe(0);
  });

  it('refuses at send time a connection written straight into the database: no request leaves', async () => {
    for (const baseUrl of [internalUrl, `https://localhost:${tcpPort}`, `https://127.0.0.1:${tcpPort}`]) {
      const conn = await h.t.db.withTenant(tenant.id, (tx) =>
        insertConnection(tx, h.box, { tenantId: tenant.id, platform: 'woocommerce', name: `direct-${baseUrl}`, settings: { baseUrl }, credentials: { token: TEST_SOURCE_TOKEN } }),
      );
      const { created } = await h.engine.trigger({ tenantId: tenant.id, connectionId: conn.id, mode: 'full', trigger: 'api', force: true });
      const run = await h.engine.execute(tenant.id, created[0]!.id);
      expect(run?.status, baseUrl).toBe('failed');
      expect(run?.error?.code, baseUrl).toBe('host_not_allowed');
    }
    expect(internalHits).toBe(0);
    expect(tcpConnections).toBe(0);
  });

  it('keeps the status and the code of a refused request, never the body of the answer', async () => {
    const allowed = await createTestApp({ connectors: [testConnector()], engine: { outbound: new OutboundPolicy({ allowedHosts: new URL(internalUrl).host }) } });
    try {
      const t = await allowed.newTenant('echo');
      const conn = await allowed.t.db.withTenant(t.id, (tx) =>
        insertConnection(tx, allowed.box, { tenantId: t.id, platform: 'woocommerce', name: 'sandbox', settings: { baseUrl: internalUrl }, credentials: { token: TEST_SOURCE_TOKEN } }),
      );
      const { created } = await allowed.engine.trigger({ tenantId: t.id, connectionId: conn.id, mode: 'full', trigger: 'api', force: true });
      await allowed.engine.execute(t.id, created[0]!.id);
      const view = await allowed.app.inject({ method: 'GET', url: `/api/v1/runs/${created[0]!.id}`, headers: t.auth });
      expect(view.json().error).toMatchObject({ code: 'upstream_rejected', details: { status: 404 } });
      const stored = JSON.stringify((await allowed.t.db.query('SELECT error FROM sync_runs WHERE id = $1', [created[0]!.id])).rows);
      for (const text of [view.body, stored, allowed.logs()]) expect(text).not.toContain('hunter2');
    } finally {
      await allowed.close();
    }
  });
});
