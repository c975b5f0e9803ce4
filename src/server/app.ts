// Builds the HTTP server: health, OpenAPI + docs, and the tenant API under /api/v1.
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { SecretBox } from '../core/secret-box.js';
import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import { checkSettingsHosts, PUBLIC_ONLY } from '../connectors/outbound.js';
import { type AuthBrakeOptions, bearerAuth, brakeSignatureFailures, registerAuthBrakes } from './auth.js';
import { frameworkErrors, registerErrorHandling } from './errors.js';
import type { Logger } from './logger.js';
import { registerOpenApi } from './openapi.js';
import { registerRequestLog } from './request-log.js';
import { adminRoutes, type AdminDeps } from './routes/admin.js';
import { catalogRoutes } from './routes/catalog.js';
import { conflictRoutes } from './routes/conflicts.js';
import { productLogRoutes } from './routes/product-logs.js';
import { fieldOwnershipRoutes } from './routes/field-ownership.js';
import { customerRoutes } from './routes/customers.js';
import { privacyRequestRoutes } from './routes/privacy-requests.js';
import { connectionRoutes } from './routes/connections.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { productWriteRoutes } from './routes/products-write.js';
import { productSyncRoutes } from './routes/product-sync.js';
import { runRoutes } from './routes/runs.js';
import { stockRoutes } from './routes/stock.js';
import { syncStatusRoutes } from './routes/sync-status.js';
import { platformSyncRoutes } from './routes/platform-syncs.js';
import { webhookRoutes } from './routes/webhooks.js';
import { type ShopifyAppConfig, shopifyOAuthRoutes } from './routes/shopify-oauth.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { PACKAGE_VERSION } from './version.js';

export interface AppDeps {
  db: Db;
  box: SecretBox;
  logger: Logger;
  /** The sync engine behind the run and dead-letter routes. */
  engine: Engine;
  /** The Shopify app (client id/secret, public URL) for OAuth installs; absent = installs disabled. */
  shopifyApp?: ShopifyAppConfig;
  /** Allowed age of the stored catalog before a read refreshes it (default 24 h). */
  catalogMaxAgeMs?: number;
  /** Extra readiness checks, e.g. the job queue. */
  readiness?: Record<string, ReadinessCheck>;
  /** Limits of failed authentications per client address. */
  authBrake?: AuthBrakeOptions;
  /** The CLI's route into this server (embedded data dir only, see routes/admin.ts); absent = no route. */
  admin?: AdminDeps;
  /** Serve GET /metrics (Prometheus) on this app without authentication; default false: it is a 404 here. */
  metricsPublic?: boolean;
}

/** Routes whose body sets connection settings: their hosts are checked against the outbound policy. */
const CONNECTION_WRITES = new Set(['POST /api/v1/connections', 'PATCH /api/v1/connections/:id']);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 1024 * 1024,
    // Request ids in logs let an operator follow one call through the engine.
    requestIdHeader: 'x-request-id',
    // One line per request instead of Fastify's two, written by registerRequestLog (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    // Errors the router raises before any hook (a malformed %-escape, an over-long path parameter) get
    // the same catalogued envelope as every other error.
    frameworkErrors,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerRequestLog(app);
  registerErrorHandling(app);
  await registerOpenApi(app, PACKAGE_VERSION);

  healthRoutes(app, { db: deps.db, checks: deps.readiness });
  if (deps.metricsPublic) metricsRoutes(app, { db: deps.db, logger: deps.logger });

  const brakes = await registerAuthBrakes(app, deps.authBrake);
  await app.register(async (scope) => {
    brakeSignatureFailures(scope, brakes.signatures);
    await webhookRoutes(scope, deps);
  });
  shopifyOAuthRoutes(app, { ...deps, signatureBrake: brakes.signatures }, 'public');
  if (deps.admin) await adminRoutes(app, deps.admin, brakes.apiKeys);
  const outbound = deps.engine.deps.outbound ?? PUBLIC_ONLY;
  await app.register(
    async (api) => {
      api.addHook('onRequest', bearerAuth(deps.db, brakes.apiKeys));
      // A setting naming a loopback, private or non-https host is refused when it is written (the HTTP
      // client refuses it again when sending, for rows written any other way).
      api.addHook('preHandler', async (request) => {
        if (!CONNECTION_WRITES.has(`${request.method} ${request.routeOptions.url}`)) return;
        const settings = (request.body as { settings?: unknown } | undefined)?.settings;
        if (settings && typeof settings === 'object') await checkSettingsHosts(outbound, settings as Record<string, unknown>);
      });
      connectionRoutes(api, deps);
      runRoutes(api, deps);
      platformSyncRoutes(api, deps);
      deadLetterRoutes(api, deps);
      catalogRoutes(api, deps);
      productRoutes(api, deps);
      productWriteRoutes(api, deps);
      productSyncRoutes(api, deps);
      orderRoutes(api, deps);
      customerRoutes(api, deps);
      privacyRequestRoutes(api, deps);
      conflictRoutes(api, deps);
      fieldOwnershipRoutes(api, deps);
      productLogRoutes(api, deps);
      stockRoutes(api, deps);
      syncStatusRoutes(api, deps);
      shopifyOAuthRoutes(api, deps, 'api');
    },
    { prefix: '/api/v1' },
  );
  return app;
}
