// Printful sandbox: a local simulator of the Printful API (v1 catalog, store/sync products and
// webhooks; v2 catalog and signed webhooks) with Printful's rate limits, plus a control API under
// /_sandbox/. Fidelity targets are platforms/printful.md; section 9 of that sheet is the checklist.
import Fastify, { type FastifyInstance } from 'fastify';
import { ControlError, PrintfulControl } from './control/actions.js';
import { registerControlRoutes } from './control/routes.js';
import { registerGuard } from './guard.js';
import { type PrintfulSandboxOptions, resolveOptions } from './options.js';
import { ParamError } from './routes/paging.js';
import { registerV1Routes } from './routes/v1.js';
import { registerV2Routes } from './routes/v2.js';
import { createRuntime, type SandboxRuntime } from './runtime.js';
import { v1Error } from './shapes.js';
import { StoreError } from './store/store.js';
import { PrintfulWebhookDispatcher } from './webhooks/dispatcher.js';

export type { PrintfulSandboxOptions, CatalogSeedOptions } from './options.js';
export type { FaultConfig } from './faults.js';
export type { RequestLogEntry, SandboxStats } from './request-log.js';
export type { WebhookDelivery } from './webhooks/dispatcher.js';
export { signPrintfulV2, RETRY_DELAYS_MS } from './webhooks/dispatcher.js';
export { ControlError } from './control/actions.js';

/** A running sandbox: its URL, the Fastify app, and the control operations as methods. */
export class PrintfulSandbox extends PrintfulControl {
  constructor(readonly app: FastifyInstance, runtime: SandboxRuntime, dispatcher: PrintfulWebhookDispatcher) {
    super(runtime, dispatcher);
  }

  /** http://127.0.0.1:<port>, once listening. */
  get url(): string {
    return this.runtime.baseUrl;
  }

  get token(): string {
    return this.runtime.options.token;
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    this.runtime.clock.dispose();
    await this.app.close();
  }
}

/** Builds the sandbox without listening (for `app.inject()`); startPrintfulSandbox also listens. */
export function createPrintfulSandbox(opts: PrintfulSandboxOptions = {}): PrintfulSandbox {
  const runtime = createRuntime(resolveOptions(opts));
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  const sandbox = new PrintfulSandbox(app, runtime, new PrintfulWebhookDispatcher(runtime));
  app.setErrorHandler((error, request, reply) => {
    if (request.url.startsWith('/_sandbox')) {
      const status = error instanceof ControlError ? error.status : ((error as { statusCode?: number }).statusCode ?? 500);
      return reply.code(status).send({ error: error instanceof Error ? error.message : String(error) });
    }
    if (error instanceof StoreError) return reply.code(error.status).send(v1Error(error.status, error.message, error.reason));
    if (error instanceof ParamError) return reply.code(400).send(v1Error(400, error.message, 'BadRequest'));
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    // An unparsable JSON body is a client error with Printful's envelope, like every other.
    return reply.code(status).send(v1Error(status, status < 500 ? (error as Error).message : 'Internal server error', status < 500 ? 'BadRequest' : 'InternalServerError'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(request.url.startsWith('/_sandbox') ? { error: `no route ${request.method} ${request.url}` } : v1Error(404, 'Not Found', 'NotFound')),
  );
  registerGuard(app, runtime);
  registerControlRoutes(app, sandbox);
  registerV1Routes(app, runtime);
  registerV2Routes(app, runtime);
  return sandbox;
}

/** Starts a sandbox listening on 127.0.0.1 with a free port. */
export async function startPrintfulSandbox(opts: PrintfulSandboxOptions = {}): Promise<PrintfulSandbox> {
  const sandbox = createPrintfulSandbox(opts);
  const address = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.runtime.baseUrl = address.replace('localhost', '127.0.0.1');
  return sandbox;
}
