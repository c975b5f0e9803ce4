// The control API under /_sandbox/ (no auth, JSON): what a test or benchmark uses to act as the
// merchant, inject faults, change time and read the sandbox's truth and request log.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxRuntime } from '../runtime.js';
import type { SandboxControl } from './actions.js';
import { ControlError } from './actions.js';
import { viewsOf } from './views.js';

type Entity = 'products' | 'orders' | 'customers' | 'locations';

/** Streams a JSON array of views, 500 records per chunk, so 100k orders are never one string. */
function jsonArray(items: Iterable<unknown>): Readable {
  return Readable.from((function* () {
    let first = true;
    let buffer: string[] = ['['];
    for (const item of items) {
      buffer.push((first ? '' : ',') + JSON.stringify(item));
      first = false;
      if (buffer.length >= 500) {
        yield buffer.join('');
        buffer = [];
      }
    }
    buffer.push(']');
    yield buffer.join('');
  })());
}

export function registerControlRoutes(app: FastifyInstance, runtime: SandboxRuntime, control: SandboxControl): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ControlError) return reply.code(error.status).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    // Admin API errors (e.g. an unparsable JSON body) use Shopify's `errors` envelope.
    if (request.url.startsWith('/admin/')) return reply.code(status).send({ errors: (error as Error).message });
    return reply.code(status).send({ error: (error as Error).message });
  });

  const ok = (reply: FastifyReply, body: unknown = { ok: true }) => reply.code(200).send(body);
  type IdParams = { Params: { id: string } };

  app.post('/_sandbox/seed', async (request) => control.seed(request.body ?? {}));

  app.post('/_sandbox/products', async (request) => control.createProduct(request.body as never));
  app.post<IdParams>('/_sandbox/products/:id', async (request) => control.editProduct(request.params.id, request.body as never));
  app.delete<IdParams>('/_sandbox/products/:id', async (request, reply) => ok(reply, control.deleteProduct(request.params.id)));

  app.post('/_sandbox/orders', async (request) => control.createOrder(request.body as never));
  app.post<IdParams>('/_sandbox/orders/:id', async (request) => control.editOrder(request.params.id, request.body as never));
  app.delete<IdParams>('/_sandbox/orders/:id', async (request, reply) => ok(reply, control.deleteOrder(request.params.id)));

  app.post('/_sandbox/customers', async (request) => control.createCustomer(request.body as never));
  app.post<IdParams>('/_sandbox/customers/:id', async (request) => control.editCustomer(request.params.id, request.body as never));
  app.delete<IdParams>('/_sandbox/customers/:id', async (request, reply) => ok(reply, control.deleteCustomer(request.params.id)));

  app.post('/_sandbox/inventory', async (request) => control.setInventory(request.body as never));

  app.get('/_sandbox/faults', async () => runtime.faults.current);
  app.post('/_sandbox/faults', async (request) => control.setFaults((request.body ?? {}) as never));
  app.delete('/_sandbox/faults', async () => control.clearFaults());

  app.get<{ Querystring: { limit?: string } }>('/_sandbox/requests', async (request) =>
    control.requests(request.query.limit === undefined ? undefined : Number(request.query.limit)));
  app.delete('/_sandbox/requests', async (_request, reply) => ok(reply, control.clearRequests()));
  app.get('/_sandbox/stats', async () => control.stats());
  app.post('/_sandbox/time', async (request) => {
    control.setTimeScale(Number((request.body as { timeScale?: unknown } | null)?.timeScale));
    return { timeScale: runtime.clock.timeScale };
  });
  app.post('/_sandbox/bucket', async (request) => control.configureBucket((request.body ?? {}) as never));

  app.get('/_sandbox/webhooks', async () => control.webhookSubscriptions());
  app.post('/_sandbox/webhooks', async (request) => control.subscribeWebhook(request.body as never));
  app.delete<IdParams>('/_sandbox/webhooks/:id', async (request, reply) => ok(reply, control.unsubscribeWebhook(request.params.id)));
  app.get('/_sandbox/webhooks/deliveries', async () => control.deliveries());
  app.post('/_sandbox/app/uninstall', async (_request, reply) => ok(reply, control.uninstallApp()));

  app.get<{ Params: { entity: string } }>('/_sandbox/data/:entity', async (request, reply) => {
    const entity = request.params.entity as Entity;
    if (!['products', 'orders', 'customers', 'locations'].includes(entity)) throw new ControlError(404, `unknown entity ${entity}`);
    return reply.type('application/json; charset=utf-8').send(jsonArray(viewsOf(runtime.store, entity)));
  });

  // Bulk operation results: what `url` / `partialDataUrl` point at. Unauthenticated, like signed URLs.
  app.get<{ Params: { file: string } }>('/_sandbox/bulk/:file', async (request, reply) => {
    const match = /^(\d+)(\.partial)?\.jsonl$/.exec(request.params.file);
    const op = match ? runtime.bulk.get(Number(match[1])) : undefined;
    const path = match && op ? runtime.bulk.filePath(op.id, match[2] !== undefined) : undefined;
    const published = op && (match?.[2] ? op.partialDataUrl : op.url);
    if (!path || !published) return reply.code(404).send({ error: 'NoSuchKey: the specified key does not exist (expired or never written)' });
    const expired = runtime.faults.current.bulkUrlExpired;
    if (expired > 0) {
      runtime.faults.set({ bulkUrlExpired: expired - 1 });
      return reply.code(403).type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    const info = await stat(path).catch(() => undefined);
    if (!info) return reply.code(404).send({ error: 'NoSuchKey' });
    return reply.type('application/jsonl').header('content-length', info.size).send(createReadStream(path));
  });
}
