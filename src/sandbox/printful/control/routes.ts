// The control API under /_sandbox/ (no auth, JSON): what a test or benchmark uses to act as the
// merchant or as Printful, inject faults, change time and read the request log and counters.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PrintfulControl } from './actions.js';

export function registerControlRoutes(app: FastifyInstance, control: PrintfulControl): void {
  const ok = (reply: FastifyReply) => reply.code(200).send({ ok: true });
  type IdParams = { Params: { id: string } };

  app.post('/_sandbox/seed', async (request) => control.seed(request.body));
  app.get('/_sandbox/catalog', async () => control.catalogCounts());
  app.post('/_sandbox/catalog/price', async (request) => control.setCatalogPrice(request.body));
  app.post('/_sandbox/catalog/stock', async (request) => control.setCatalogStock(request.body));

  app.get('/_sandbox/store-products', async () => control.storeProducts());
  app.post('/_sandbox/store-products', async (request) => control.createStoreProduct(request.body));
  app.post<IdParams>('/_sandbox/store-products/:id', async (request) => control.editStoreProduct(request.params.id, request.body));
  app.delete<IdParams>('/_sandbox/store-products/:id', async (request, reply) => {
    control.deleteStoreProduct(request.params.id);
    return ok(reply);
  });

  app.get('/_sandbox/faults', async () => control.runtime.faults.current);
  app.post('/_sandbox/faults', async (request) => control.setFaults(request.body ?? {}));
  app.delete('/_sandbox/faults', async () => control.clearFaults());

  app.get<{ Querystring: { limit?: string } }>('/_sandbox/requests', async (request) =>
    control.requests(request.query.limit === undefined ? undefined : Number(request.query.limit)));
  app.delete('/_sandbox/requests', async (_request, reply) => {
    control.clearRequests();
    return ok(reply);
  });
  app.get('/_sandbox/stats', async () => control.stats());
  app.post('/_sandbox/time', async (request) => {
    control.setTimeScale(Number((request.body as { timeScale?: unknown } | null)?.timeScale));
    return { timeScale: control.runtime.clock.timeScale };
  });
  app.post('/_sandbox/limits/reset', async (_request, reply) => {
    control.resetLimits();
    return ok(reply);
  });

  app.get('/_sandbox/webhooks', async () => control.webhookConfigs());
  app.get('/_sandbox/webhooks/deliveries', async () => control.deliveries());
}
