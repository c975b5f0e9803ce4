// The control API under /_sandbox/ (no auth, JSON): the same operations as the WooSandbox methods, for
// tests and benchmarks that drive a sandbox in another process.
import type { FastifyInstance } from 'fastify';
import type { WooControl } from './actions.js';

type Id = { Params: { id: string } };
type VarId = { Params: { product_id: string; id: string } };
const body = (b: unknown) => (typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : {});

export function registerControlRoutes(app: FastifyInstance, control: WooControl): void {
  app.post('/_sandbox/seed', async (request) => control.seed(body(request.body)));
  app.get('/_sandbox/products', async () => control.products());
  app.post<Id>('/_sandbox/products/:id', async (request) => control.editProduct(Number(request.params.id), body(request.body)));
  app.delete<Id & { Querystring: { force?: string } }>('/_sandbox/products/:id', async (request) =>
    control.deleteProduct(Number(request.params.id), { force: request.query.force === 'true' }));
  app.post<VarId>('/_sandbox/products/:product_id/variations/:id', async (request) =>
    control.editVariation(Number(request.params.product_id), Number(request.params.id), body(request.body)));
  app.get('/_sandbox/orders', async () => control.orders());
  app.post('/_sandbox/orders', async (request) => control.createOrder(body(request.body)));
  app.post<Id>('/_sandbox/orders/:id', async (request) => control.editOrder(Number(request.params.id), body(request.body)));
  app.get('/_sandbox/customers', async () => control.customers());
  app.get('/_sandbox/webhooks', async () => control.webhooks());
  app.get('/_sandbox/deliveries', async () => control.deliveries());
  app.get('/_sandbox/faults', async () => control.faults());
  app.post('/_sandbox/faults', async (request) => control.setFaults(body(request.body)));
  app.delete('/_sandbox/faults', async () => control.clearFaults());
  app.get<{ Querystring: { limit?: string } }>('/_sandbox/requests', async (request) =>
    control.requests(request.query.limit === undefined ? undefined : Number(request.query.limit)));
  app.delete('/_sandbox/requests', async () => {
    control.clearRequests();
    return { ok: true };
  });
  app.post('/_sandbox/time', async (request) => control.setTimeScale(Number(body(request.body).timeScale)));
}
