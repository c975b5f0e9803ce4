// eMAG Marketplace sandbox: a local simulator of the Marketplace API (api-3) with one login per seller
// account (main, FBE), per-account rate limits by route group, and a control API under /_sandbox/.
// Fidelity targets are platforms/emag.md; section 9 of that sheet is the checklist.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerApiRoutes } from './api.js';
import { EmagControl } from './control/actions.js';
import { registerControlRoutes } from './control/routes.js';
import { MarketplaceError } from './marketplace.js';
import { type EmagSandboxOptions, resolveOptions } from './options.js';
import { createRuntime, type SandboxRuntime } from './runtime.js';

export type { EmagSandboxOptions, AccountConfig, RateLimits } from './options.js';
export { DEFAULT_ACCOUNTS, LIMIT_PROFILES } from './options.js';
export type { FaultConfig } from './faults.js';
export type { RequestLogEntry, AccountStats } from './request-log.js';
export type { SeedSpec } from './seed.js';
export type { OrderTruth } from './vouchers.js';
export { FORBIDDEN_BODY, THROTTLED_BODY } from './api.js';
export { CAMPAIGN_LOCK_BODY } from './offers-api.js';

/** A running sandbox: its URL, the Fastify app, and the control operations as methods. */
export class EmagSandbox extends EmagControl {
  constructor(readonly app: FastifyInstance, runtime: SandboxRuntime) {
    super(runtime);
  }

  /** http://127.0.0.1:<port>, once listening. */
  get url(): string {
    return this.runtime.baseUrl;
  }

  /** What a connection's baseUrl points at. */
  get apiUrl(): string {
    return `${this.url}/api-3`;
  }

  /** Credentials of an account, for connection settings. */
  credentials(account: string): { username: string; password: string } {
    const a = this.account(account).config;
    return { username: a.username, password: a.password };
  }

  async close(): Promise<void> {
    this.runtime.clock.dispose();
    await this.app.close();
  }
}

export function createEmagSandbox(opts: EmagSandboxOptions = {}): EmagSandbox {
  const runtime = createRuntime(resolveOptions(opts));
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  // order/acknowledge carries no body; an empty JSON body is "no parameters", not an error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const status = error instanceof MarketplaceError ? error.status : ((error as { statusCode?: number }).statusCode ?? 500);
    const message = (error as Error).message;
    if (request.url.startsWith('/api-3/')) return reply.code(status).send({ isError: true, messages: [message], results: [] });
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(request.url.startsWith('/api-3/') ? { message: 'Invalid URL' } : { error: `no route ${request.method} ${request.url}` }),
  );
  const sandbox = new EmagSandbox(app, runtime);
  registerApiRoutes(app, runtime);
  registerControlRoutes(app, sandbox);
  return sandbox;
}

/** Starts a sandbox listening on 127.0.0.1 with a free port. */
export async function startEmagSandbox(opts: EmagSandboxOptions = {}): Promise<EmagSandbox> {
  const sandbox = createEmagSandbox(opts);
  const address = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.runtime.baseUrl = address.replace('localhost', '127.0.0.1');
  return sandbox;
}
