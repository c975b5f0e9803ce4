// An API server on a fresh test database, with its log output captured for assertions.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { startQueue } from '../../src/engine/queue.js';
import { type AnyConnector, connectorRegistry } from '../../src/engine/registry.js';
import { buildApp } from '../../src/server/app.js';
import type { AuthBrakeOptions } from '../../src/server/auth.js';
import type { ShopifyAppConfig } from '../../src/server/routes/shopify-oauth.js';
import { createLogger } from '../../src/server/logger.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

export interface TestAppOptions {
  /** Connectors the engine knows (default: none). */
  connectors?: AnyConnector[];
  /** Start a job queue and worker so triggered runs execute. */
  worker?: boolean;
  engine?: Partial<EngineOptions>;
  shopifyApp?: ShopifyAppConfig;
  authBrake?: AuthBrakeOptions;
  /** Serve GET /metrics on the app (serve --metrics-public). */
  metricsPublic?: boolean;
}

export interface TestApp {
  app: FastifyInstance;
  t: TestDb;
  box: SecretBox;
  engine: Engine;
  logs: () => string;
  newTenant(name: string): Promise<{ id: string; key: string; auth: { authorization: string } }>;
  close(): Promise<void>;
}

export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestDb();
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: 'trace', destination: sink });
  const engine = new Engine({ db: t.db, box, logger, registry: connectorRegistry(opts.connectors ?? []), outbound: SANDBOX_OUTBOUND, ...opts.engine });
  const queue = opts.worker ? await startQueue(t.db, logger) : null;
  if (queue) await engine.start(queue, { embedded: t.db.driver === 'pglite' });
  const app = await buildApp({ db: t.db, box, logger, engine, shopifyApp: opts.shopifyApp, authBrake: opts.authBrake, metricsPublic: opts.metricsPublic });
  await app.ready();
  return {
    app,
    t,
    box,
    engine,
    logs: () => chunks.join(''),
    async newTenant(name) {
      const { tenant, apiKey } = await t.db.transaction((tx) => createTenant(tx, name));
      return { id: tenant.id, key: apiKey, auth: { authorization: `Bearer ${apiKey}` } };
    },
    async close() {
      await app.close();
      await engine.stop();
      await queue?.stop({ graceful: false, wait: true });
      await t.cleanup();
    },
  };
}
