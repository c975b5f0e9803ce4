// JTL-FFN sandbox: a local simulator of the JTL Fulfillment Network merchant API (/api/v1/merchant) and its
// OAuth 2 server (/oauth) on one listener — products, per-warehouse float stock, outbounds with reservations and
// shipping notifications, OData-like collections, /updates change feeds — plus a control API under /_sandbox/.
// Fidelity targets are platforms/jtl-ffn.md; section 9 is the checklist. The Host header is not checked, so
// clients configured for ffn, ffn2 or ffn-sbx style hosts all reach it.
import Fastify, { type FastifyInstance } from 'fastify';
import { parse as parseQuery } from 'node:querystring';
import { JtlFfnControl } from './control/actions.js';
import { registerControlRoutes } from './control/routes.js';
import { errorBody, FfnError } from './errors.js';
import { registerGuard } from './guard.js';
import { registerOAuthRoutes } from './oauth.js';
import { type JtlFfnSandboxOptions, resolveOptions } from './options.js';
import { registerOutboundRoutes } from './routes/outbounds.js';
import { registerProductRoutes } from './routes/products.js';
import { registerStockRoutes } from './routes/stocks.js';
import { createRuntime, type FfnRuntime } from './runtime.js';

export type { AutoProgressSettings, JtlFfnSandboxOptions, OAuthClient, RateLimitSettings } from './options.js';
export { DEFAULT_CLIENT } from './options.js';
export type { FaultConfig } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { SeedResult, SeedSpec } from './seed.js';
export type { ShipSpec } from './outbounds.js';
export type { TokenAnswer, TokenStats } from './oauth-tokens.js';
export { DEFAULT_SCOPES } from './oauth-tokens.js';
export { FfnError } from './errors.js';

/** A running sandbox: its URLs, the OAuth client, the Fastify app, and the control operations as methods. */
export class JtlFfnSandbox extends JtlFfnControl {
  constructor(readonly app: FastifyInstance, runtime: FfnRuntime) {
    super(runtime);
  }

  private get origin(): string {
    return this.runtime.baseUrl || 'http://localhost';
  }

  /** http://127.0.0.1:<port>/api: the API base; merchant routes are under `${url}/v1/merchant/...`. */
  get url(): string {
    return `${this.origin}/api`;
  }

  /** http://127.0.0.1:<port>/oauth: `${oauthUrl}/authorize` and `${oauthUrl}/token`. */
  get oauthUrl(): string {
    return `${this.origin}/oauth`;
  }

  get clientId(): string {
    return this.runtime.options.clients[0]?.clientId ?? '';
  }

  get clientSecret(): string {
    return this.runtime.options.clients[0]?.clientSecret ?? '';
  }

  async close(): Promise<void> {
    this.runtime.clock.dispose();
    await this.app.close();
  }
}

/** Builds the sandbox without listening (for `app.inject()`); startJtlFfnSandbox also listens. */
export function createJtlFfnSandbox(opts: JtlFfnSandboxOptions = {}): JtlFfnSandbox {
  const runtime = createRuntime(resolveOptions(opts));
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 20 * 1024 * 1024 });
  // An empty JSON body is "no body", not a parse error; broken JSON answers in the API's error shape.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new FfnError(400, 'InvalidJson', 'the request body is not valid JSON'), undefined);
    }
  });
  // The token endpoint takes application/x-www-form-urlencoded (section 1).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseQuery(String(body)));
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof FfnError) return reply.code(error.status).headers(error.headers).send(error.body());
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).send(errorBody(status >= 500 ? 'InternalServerError' : 'BadRequest', (error as Error).message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('NotFound', `no route ${request.method} ${request.url.split('?')[0]}`)));
  const sandbox = new JtlFfnSandbox(app, runtime);
  registerGuard(app, runtime);
  registerOAuthRoutes(app, runtime);
  void app.register(async (api) => {
    registerProductRoutes(api, runtime);
    registerOutboundRoutes(api, runtime);
  }, { prefix: '/api/v1/merchant' });
  void app.register(async (api) => registerStockRoutes(api, runtime), { prefix: '/api/v1' });
  registerControlRoutes(app, sandbox);
  return sandbox;
}

/** Starts a sandbox listening on 127.0.0.1 with a free port. */
export async function startJtlFfnSandbox(opts: JtlFfnSandboxOptions = {}): Promise<JtlFfnSandbox> {
  const sandbox = createJtlFfnSandbox(opts);
  const address = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.runtime.baseUrl = address.replace('localhost', '127.0.0.1');
  return sandbox;
}
