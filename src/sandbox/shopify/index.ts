// Shopify sandbox: a local simulator of the Shopify Admin API (GraphQL with cost-based throttling, bulk
// operations, webhooks, OAuth install, REST legacy subset) plus a control API under /_sandbox/.
// Fidelity targets are platforms/shopify.md; section 9 of that sheet is the checklist.
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { truncateIfMarked } from './api-guard.js';
import { SandboxControl } from './control/actions.js';
import { registerControlRoutes } from './control/routes.js';
import { registerGraphQLRoute } from './graphql/route.js';
import { registerOAuthRoutes } from './oauth.js';
import type { ShopifySandboxOptions } from './options.js';
import { resolveOptions } from './options.js';
import { registerRestRoutes } from './rest/routes.js';
import type { SandboxRuntime } from './runtime.js';
import { createRuntime } from './runtime.js';
import type { ShopifyStore } from './store/store.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

export type { ShopifySandboxOptions, ShopifyPlan } from './options.js';
export { PLAN_BUCKETS } from './options.js';
export type { FaultConfig } from './faults.js';
export type { ProductView, VariantView, OrderView, CustomerView } from './control/views.js';
export type { RequestLogEntry, ThrottleStats } from './request-log.js';
export type { WebhookDelivery } from './webhooks/dispatcher.js';
export { signWebhook } from './webhooks/payloads.js';
export { oauthHmac } from './oauth.js';
export { ShopifyStore } from './store/store.js';
export { ControlError } from './control/actions.js';

/** A running sandbox: its URL, the Fastify app, the data store, and the control operations as methods. */
export class ShopifySandbox extends SandboxControl {
  constructor(readonly app: FastifyInstance, runtime: SandboxRuntime, dispatcher: WebhookDispatcher) {
    super(runtime, dispatcher);
  }

  /** http://127.0.0.1:<port>, once listening. */
  get url(): string {
    return this.runtime.baseUrl;
  }

  get store(): ShopifyStore {
    return this.runtime.store;
  }

  /** Base URL of the Admin API for a version: `${url}/admin/api/${version}`. */
  adminUrl(version = '2025-01'): string {
    return `${this.url}/admin/api/${version}`;
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    this.runtime.clock.dispose();
    await this.app.close();
    await this.runtime.bulk.close();
  }
}

/** Builds the sandbox without listening (for `app.inject()`); startShopifySandbox also listens. */
export function createShopifySandbox(opts: ShopifySandboxOptions = {}): ShopifySandbox {
  const options = resolveOptions(opts);
  const runtime = createRuntime(options);
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 50 * 1024 * 1024 });
  const dispatcher = new WebhookDispatcher({
    store: runtime.store, subscriptions: runtime.webhooks, bulk: runtime.bulk, clock: runtime.clock, faults: runtime.faults,
    apiSecret: () => runtime.options.apiSecret, shop: options.shop, timeoutMs: options.webhookTimeoutMs,
  });
  const sandbox = new ShopifySandbox(app, runtime, dispatcher);
  app.addHook('onSend', async (request, _reply, payload) => truncateIfMarked(request, payload));
  app.setNotFoundHandler((request, reply) => {
    const admin = request.url.startsWith('/admin/');
    return reply.code(404).send(admin ? { errors: 'Not Found' } : { error: `no route ${request.method} ${request.url}` });
  });
  registerControlRoutes(app, runtime, sandbox);
  registerGraphQLRoute(app, runtime);
  registerOAuthRoutes(app, runtime);
  if (options.rest) registerRestRoutes(app, runtime);
  return sandbox;
}

/** Starts a sandbox listening on 127.0.0.1 with a free port. */
export async function startShopifySandbox(opts: ShopifySandboxOptions = {}): Promise<ShopifySandbox> {
  const sandbox = createShopifySandbox(opts);
  const address = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.runtime.baseUrl = address.replace('localhost', '127.0.0.1');
  return sandbox;
}

export { INVALID_TOKEN_BODY } from './api-guard.js';
