// One log line per request (issue 14: `serve` wrote two per request, 43,726 lines for 21,861
// webhooks): API calls at info, webhook receipts at debug so a flood is silent by default, a 5xx at
// error with its cause, and never a credential in a line.
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger, type Logger, resolveLogFormat } from '../../src/server/logger.js';
import { registerRequestLog } from '../../src/server/request-log.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const WEBHOOK_TOKEN = 'pf-v1-token-req-log-0123456789';

/** A logger writing into an array, one entry per line. */
function capture(opts: { level: string; format?: 'pretty' | 'json' }): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(line);
      cb();
    },
  });
  return { logger: createLogger({ ...opts, destination: sink }), lines };
}

describe('request logging', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let engine: Engine;
  let logger: Logger;
  let lines: string[];
  let apiKey: string;
  let webhookUrl: string;

  beforeAll(async () => {
    t = await createTestDb();
    ({ logger, lines } = capture({ level: 'info' }));
    const box = new SecretBox(parseMasterKey(generateMasterKey()));
    engine = new Engine({ db: t.db, box, logger, registry: connectorRegistry([printfulConnector]), outbound: SANDBOX_OUTBOUND });
    app = await buildApp({ db: t.db, box, logger, engine });
    // A route that fails, to see a 5xx's line (added before ready, under the app's error handler).
    app.get('/boom', async () => {
      throw new Error('database fell over');
    });
    await app.ready();
    apiKey = (await t.db.transaction((tx) => createTenant(tx, 'logs'))).apiKey;
    const res = await app.inject({
      method: 'POST', url: '/api/v1/connections', headers: { authorization: `Bearer ${apiKey}` },
      payload: { platform: 'printful', name: 'pf', credentials: { token: 'pf-api-token-xyz' }, webhookSecret: WEBHOOK_TOKEN },
    });
    expect(res.statusCode, res.body).toBe(201);
    webhookUrl = `/webhooks/printful/${res.json().id}?token=${WEBHOOK_TOKEN}`;
  });
  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await t?.cleanup();
  });

  /** The lines logged while `fn` runs, parsed. */
  async function linesOf(level: string, fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    logger.level = level; // request loggers are children made per request: they take the root's level
    lines.length = 0;
    await fn();
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  const delivery = () =>
    app.inject({
      method: 'POST', url: webhookUrl, headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ type: 'product_updated', created: 1_700_000_000, retries: 0, store: 1, data: { sync_product: { id: 7 } } }),
    });

  it('one info line per API request, with method, redacted url, status, duration and request id', async () => {
    const logged = await linesOf('info', async () => {
      const list = await app.inject({ method: 'GET', url: '/api/v1/connections', headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': 'req-abc' } });
      expect(list.statusCode).toBe(200);
      const runs = await app.inject({ method: 'GET', url: '/api/v1/runs?limit=5&api_key=query-secret-123', headers: { authorization: `Bearer ${apiKey}` } });
      expect(runs.statusCode).toBe(200);
      const missing = await app.inject({ method: 'GET', url: '/api/v1/nowhere', headers: { authorization: `Bearer ${apiKey}` } });
      expect(missing.statusCode).toBe(404);
    });
    expect(logged).toHaveLength(3);
    expect(logged.map((l) => l.level)).toEqual([30, 30, 30]);
    expect(logged[0]).toMatchObject({ reqId: 'req-abc', req: { method: 'GET', url: '/api/v1/connections' }, res: { statusCode: 200 }, msg: expect.stringMatching(/^GET \/api\/v1\/connections 200 \d+ ms$/) });
    expect(typeof logged[0]!.responseTime).toBe('number');
    expect(logged[1]).toMatchObject({ req: { url: '/api/v1/runs?limit=[redacted]&api_key=[redacted]' }, res: { statusCode: 200 } });
    expect(logged[2]).toMatchObject({ res: { statusCode: 404 } });
  });

  it('a webhook delivery logs nothing at info and one line at debug', async () => {
    const atInfo = await linesOf('info', async () => expect((await delivery()).statusCode).toBe(200));
    expect(atInfo).toEqual([]);
    const atDebug = await linesOf('debug', async () => expect((await delivery()).statusCode).toBe(200));
    const receipts = atDebug.filter((l) => (l.req as { url?: string } | undefined)?.url?.startsWith('/webhooks/'));
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ level: 20, res: { statusCode: 200 }, req: { url: expect.stringContaining('?token=[redacted]') } });
    // Nothing else in the receipt's path logs per request at debug either (the engine's own lines aside).
    expect(atDebug.filter((l) => l.req !== undefined)).toHaveLength(1);
  });

  it('a 5xx is one error line carrying its cause', async () => {
    const logged = await linesOf('info', async () => expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, res: { statusCode: 500 }, err: { message: 'database fell over' } });
  });

  it('no line holds the Authorization header, the API key or the webhook token', async () => {
    const logged = await linesOf('trace', async () => {
      await app.inject({ method: 'GET', url: '/api/v1/connections', headers: { authorization: `Bearer ${apiKey}` } });
      await app.inject({ method: 'GET', url: '/api/v1/connections', headers: { authorization: 'Bearer wrong-key-456' } });
      await delivery();
    });
    expect(logged.length).toBeGreaterThanOrEqual(3);
    const text = lines.join('\n');
    for (const secret of [apiKey, 'wrong-key-456', WEBHOOK_TOKEN, 'Bearer']) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

describe('log format', () => {
  it('pretty: one readable line per request, no JSON', async () => {
    const { logger, lines } = capture({ level: 'info', format: 'pretty' });
    const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
    registerRequestLog(app);
    app.get('/api/v1/ping', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/api/v1/ping?key=k-secret-789' });
    await app.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*GET \/api\/v1\/ping\?key=\[redacted\] 200 \d+ ms/);
    expect(lines[0]).not.toContain('k-secret-789');
    expect(lines[0]!.startsWith('{')).toBe(false);
  });

  it('json when asked (LOG_FORMAT or config) or when not on a terminal, pretty on a terminal', () => {
    expect(resolveLogFormat(undefined, {}, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, {}, false)).toBe('json');
    expect(resolveLogFormat(undefined, { LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(resolveLogFormat(undefined, { LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(resolveLogFormat('json', { LOG_FORMAT: 'pretty' }, true)).toBe('json');
  });
});
