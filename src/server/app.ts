// Builds the HTTP server: health, OpenAPI + docs, and the tenant API under /api/v1.
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { SecretBox } from '../core/secret-box.js';
import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import { bearerAuth } from './auth.js';
import { registerErrorHandling } from './errors.js';
import type { Logger } from './logger.js';
import { registerOpenApi } from './openapi.js';
import { catalogRoutes } from './routes/catalog.js';
import { connectionRoutes } from './routes/connections.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { runRoutes } from './routes/runs.js';
import { platformSyncRoutes } from './routes/platform-syncs.js';
import { webhookRoutes } from './routes/webhooks.js';
import { type ShopifyAppConfig, shopifyOAuthRoutes } from './routes/shopify-oauth.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
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
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 1024 * 1024,
    // Request ids in logs let an operator follow one call through the engine.
    requestIdHeader: 'x-request-id',
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  await registerOpenApi(app, PACKAGE_VERSION);

  healthRoutes(app, { db: deps.db, checks: deps.readiness });

  await app.register((scope) => webhookRoutes(scope, deps));
  shopifyOAuthRoutes(app, deps, 'public');
  await app.register(
    async (api) => {
      api.addHook('onRequest', bearerAuth(deps.db));
      connectionRoutes(api, deps);
      runRoutes(api, deps);
      platformSyncRoutes(api, deps);
      deadLetterRoutes(api, deps);
      catalogRoutes(api, deps);
      shopifyOAuthRoutes(api, deps, 'api');
    },
    { prefix: '/api/v1' },
  );
  return app;
}
