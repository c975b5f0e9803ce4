// The control API under /_sandbox/ (no auth, JSON): the same operations as the JtlFfnSandbox methods, for
// the demo and benchmarks that drive a sandbox in another process.
import type { FastifyInstance } from 'fastify';
import type { JtlFfnControl } from './actions.js';

type Id = { Params: { id: string } };
type Body = Record<string, unknown>;
const body = (b: unknown): Body => (typeof b === 'object' && b !== null ? (b as Body) : {});
const ok = { ok: true };

export function registerControlRoutes(app: FastifyInstance, control: JtlFfnControl): void {
  app.post('/_sandbox/seed', async (request) => control.seed(body(request.body)));
  app.get('/_sandbox/products', async () => control.products());
  app.post('/_sandbox/products', async (request) => control.addProduct(body(request.body) as { merchantSku: string; name: string }));
  app.delete<Id>('/_sandbox/products/:id', async (request) => control.deleteProduct(request.params.id));
  app.get<Id>('/_sandbox/stock/:id', async (request) => control.stock(request.params.id));
  // {sku (jfsku or merchantSku), warehouseId, stockLevel}
  app.post('/_sandbox/stock', async (request) => {
    const b = body(request.body);
    return control.setStock(String(b.sku ?? b.jfsku ?? b.merchantSku ?? ''), String(b.warehouseId ?? ''), Number(b.stockLevel));
  });
  app.get('/_sandbox/outbounds', async () => control.outbounds());
  app.get('/_sandbox/outbounds/duplicates', async () => ({ outboundNumberDuplicates: control.outboundNumberDuplicates() }));
  app.post<Id>('/_sandbox/outbounds/:id/advance', async (request) => control.advanceOutbound(request.params.id, String(body(request.body).status ?? '')));
  app.post<Id>('/_sandbox/outbounds/:id/ship', async (request) => control.shipOutbound(request.params.id, body(request.body)));
  app.get<Id>('/_sandbox/outbounds/:id/shipping-notifications', async (request) => control.shippingNotifications(request.params.id));
  app.post('/_sandbox/oauth/refresh-token', async (request) => {
    const b = body(request.body);
    const scopes = Array.isArray(b.scopes) ? b.scopes.map(String) : undefined;
    return { refreshToken: control.issueRefreshToken(scopes, typeof b.clientId === 'string' ? { clientId: b.clientId } : {}) };
  });
  app.get('/_sandbox/oauth/stats', async () => control.tokenStats());
  app.post('/_sandbox/oauth/expire-access-tokens', async () => {
    control.expireAccessTokens();
    return ok;
  });
  app.post('/_sandbox/portal', async (request) => {
    control.setPortalLoggedIn(body(request.body).loggedIn !== false);
    return ok;
  });
  app.post('/_sandbox/fail-next', async (request) => {
    const b = body(request.body);
    control.failNext(Number(b.n ?? 1), b.status === undefined ? 503 : Number(b.status));
    return ok;
  });
  app.post('/_sandbox/clock-skew', async (request) => {
    control.setClockSkewMs(Number(body(request.body).ms ?? 0));
    return ok;
  });
  app.get('/_sandbox/faults', async () => control.faults());
  app.post('/_sandbox/faults', async (request) => control.setFaults(body(request.body)));
  app.delete('/_sandbox/faults', async () => control.clearFaults());
  app.get<{ Querystring: { limit?: string } }>('/_sandbox/requests', async (request) =>
    control.requestLog(request.query.limit === undefined ? undefined : Number(request.query.limit)));
  app.delete('/_sandbox/requests', async () => {
    control.clearRequestLog();
    return ok;
  });
  app.post('/_sandbox/time', async (request) => control.setTimeScale(Number(body(request.body).timeScale)));
}
