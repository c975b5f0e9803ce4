// The control API under /_sandbox/ (no auth, JSON): what a test or benchmark uses to seed accounts, act
// as the marketplace, inject faults, change time and read the truth and the request log.
import type { FastifyInstance } from 'fastify';
import type { EmagControl } from './actions.js';

type AccountParams = { Params: { account: string } };
type OrderParams = { Params: { account: string; id: string } };

export function registerControlRoutes(app: FastifyInstance, control: EmagControl): void {
  app.post('/_sandbox/seed', async (request) => control.seed((request.body ?? {}) as never));
  app.get('/_sandbox/accounts', async () => control.accounts());
  app.post<AccountParams>('/_sandbox/accounts/:account/orders', async (request) => control.placeOrder(request.params.account, (request.body ?? {}) as never));
  app.post<OrderParams>('/_sandbox/accounts/:account/orders/:id', async (request) => control.editOrder(request.params.account, Number(request.params.id), (request.body ?? {}) as never));
  app.get<AccountParams>('/_sandbox/accounts/:account/orders', async (request) => control.orders(request.params.account));
  app.get<AccountParams>('/_sandbox/accounts/:account/offers', async (request) => control.offers(request.params.account));
  app.get<AccountParams>('/_sandbox/accounts/:account/order-totals', async (request) => control.orderTotals(request.params.account));

  app.get('/_sandbox/faults', async () => control.faults());
  app.post('/_sandbox/faults', async (request) => control.setFaults((request.body ?? {}) as never));
  app.delete('/_sandbox/faults', async () => control.clearFaults());

  app.get<{ Querystring: { limit?: string } }>('/_sandbox/requests', async (request) =>
    control.requests(request.query.limit === undefined ? undefined : Number(request.query.limit)));
  app.delete('/_sandbox/requests', async () => {
    control.clearRequests();
    return { ok: true };
  });
  app.get('/_sandbox/stats', async () => control.stats());
  app.post('/_sandbox/time', async (request) => control.setTimeScale(Number((request.body as { timeScale?: unknown } | null)?.timeScale)));
  app.post('/_sandbox/limits/reset', async () => {
    control.resetLimits();
    return { ok: true };
  });
}
