// WooCommerce sandbox: a local simulator of the WooCommerce REST API (wc/v3) — products and variations,
// orders, customers, webhooks, batch writes, key auth and OAuth 1.0a, WP paging headers — plus a
// control API under /_sandbox/. Fidelity targets are platforms/woocommerce.md; section 9 is the checklist.
import Fastify, { type FastifyInstance } from 'fastify';
import { WooControl } from './control/actions.js';
import { registerControlRoutes } from './control/routes.js';
import { WooError } from './errors.js';
import { registerGuard } from './guard.js';
import { resolveOptions, type WooSandboxOptions } from './options.js';
import { registerOrderCustomerRoutes } from './routes/orders-customers.js';
import { registerProductRoutes } from './routes/products.js';
import { createRuntime, type WooRuntime } from './runtime.js';
import { WebhookDispatcher } from './webhooks.js';

export type { ApiKey, KeyPermission, WooSandboxOptions } from './options.js';
export { DEFAULT_KEY } from './options.js';
export type { FaultConfig } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { SeedSpec, SeedResult } from './seed.js';
export type { WebhookDelivery } from './webhooks.js';
export { signWooWebhook, wpJsonEncode } from './webhooks.js';
export { oauthSignature } from './auth.js';
export { WooError } from './errors.js';

export const API_PREFIX = '/wp-json/wc/v3';

/** A running sandbox: its URL, default credentials, the Fastify app, and the control operations as methods. */
export class WooSandbox extends WooControl {
  constructor(readonly app: FastifyInstance, runtime: WooRuntime, dispatcher: WebhookDispatcher) {
    super(runtime, dispatcher);
  }

  /** http://127.0.0.1:<port>: the store URL a client is configured with (the API is under /wp-json/wc/v3). */
  get url(): string {
    return this.runtime.baseUrl;
  }

  get consumerKey(): string {
    return this.runtime.options.keys[0]?.consumerKey ?? '';
  }

  get consumerSecret(): string {
    return this.runtime.options.keys[0]?.consumerSecret ?? '';
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    this.runtime.clock.dispose();
    await this.app.close();
  }
}

/** Builds the sandbox without listening (for `app.inject()`); startWooSandbox also listens. */
export function createWooSandbox(opts: WooSandboxOptions = {}): WooSandbox {
  const runtime = createRuntime(resolveOptions(opts));
  const dispatcher = new WebhookDispatcher(runtime);
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 20 * 1024 * 1024 });
  // An empty body on POST/PUT/DELETE is "no parameters" for WordPress, not a parse error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new WooError(400, 'rest_invalid_json', 'Invalid JSON body passed.', { json_error_code: 4, json_error_message: 'Syntax error' }), undefined);
    }
  });
  // The OAuth signature covers form-body parameters; parse them so auth.ts can see them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof WooError) {
      const headers = (error as WooError & { headers?: Record<string, string> }).headers;
      if (headers) reply.headers(headers);
      return reply.code(error.status).send(error.body());
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (request.url.startsWith('/wp-json/')) return reply.code(status).send({ code: 'internal_server_error', message: (error as Error).message, data: { status } });
    return reply.code(status).send({ error: (error as Error).message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(request.url.startsWith('/wp-json/')
      ? { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } }
      : { error: `no route ${request.method} ${request.url}` }),
  );
  const sandbox = new WooSandbox(app, runtime, dispatcher);
  registerGuard(app, runtime);
  void app.register(async (api) => {
    registerProductRoutes(api, runtime);
    registerOrderCustomerRoutes(api, runtime, dispatcher);
  }, { prefix: API_PREFIX });
  registerControlRoutes(app, sandbox);
  return sandbox;
}

/** Starts a sandbox listening on 127.0.0.1 with a free port. */
export async function startWooSandbox(opts: WooSandboxOptions = {}): Promise<WooSandbox> {
  const sandbox = createWooSandbox(opts);
  const address = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.runtime.baseUrl = address.replace('localhost', '127.0.0.1');
  return sandbox;
}
