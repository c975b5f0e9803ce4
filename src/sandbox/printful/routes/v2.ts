// v2 routes: catalog products, variants, prices and availability in {data, paging, _links}, and the
// per-token webhook configuration (platforms/printful.md sections 2, 3, 6).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestInfo } from '../guard.js';
import type { SandboxRuntime } from '../runtime.js';
import { catalogProductV2, catalogVariantV2, v1Error, v2List, variantAvailabilityV2, variantPricesV2 } from '../shapes.js';
import { ConfigError, v2ConfigView } from '../webhooks/configs.js';
import { idList, offsetLimit } from './paging.js';

type Q = Record<string, string | undefined>;
type Req = FastifyRequest<{ Params: { id: string }; Querystring: Q }>;

const notFound = (reply: FastifyReply, what: string) => reply.code(404).send(v1Error(404, `${what} not found`, 'NotFound'));
const tokenOf = (request: FastifyRequest) => /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';

export function registerV2Routes(app: FastifyInstance, runtime: SandboxRuntime): void {
  const store = runtime.store;
  const base = () => runtime.baseUrl;
  const product = (id: string) => (/^\d+$/.test(id) ? store.products.get(Number(id)) : undefined);
  const variant = (id: string) => (/^\d+$/.test(id) ? store.variants.get(Number(id)) : undefined);
  const query = (q: Q) => Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'offset' && e[0] !== 'limit'));
  const page = <T>(all: T[], q: Q) => {
    const { offset, limit } = offsetLimit(q, true);
    const from = runtime.faults.current.repeatPages ? 0 : offset;
    return { items: all.slice(from, from + limit), paging: { total: all.length, offset, limit } };
  };

  app.get('/v2/catalog-products', async (request: Req) => {
    const all = store.catalogProducts({ categoryIds: idList(request.query.category_ids) });
    const { items, paging } = page(all, request.query);
    const info = requestInfo(request);
    if (info && paging.offset === 0) info.catalogPass = true;
    return v2List(base(), '/v2/catalog-products', items.map((p) => catalogProductV2(base(), p, p.variantIds.length)), paging, query(request.query));
  });

  app.get('/v2/catalog-products/:id', async (request: Req, reply) => {
    const p = product(request.params.id);
    if (!p) return notFound(reply, 'Catalog product');
    return { data: catalogProductV2(base(), p, p.variantIds.length), _links: { self: { href: `${base()}/v2/catalog-products/${p.id}` } } };
  });

  app.get('/v2/catalog-products/:id/catalog-variants', async (request: Req, reply) => {
    const p = product(request.params.id);
    if (!p) return notFound(reply, 'Catalog product');
    const { items, paging } = page(store.variantsOf(p), request.query);
    return v2List(base(), `/v2/catalog-products/${p.id}/catalog-variants`, items.map((v) => catalogVariantV2(base(), v)), paging);
  });

  app.get('/v2/catalog-products/:id/prices', async (request: Req, reply) => {
    const p = product(request.params.id);
    if (!p) return notFound(reply, 'Catalog product');
    const variants = store.variantsOf(p);
    return {
      data: { currency: p.currency, product: { id: p.id, placements: [] }, variants: variants.map((v) => variantPricesV2(p, v).variants[0]) },
      _links: { self: { href: `${base()}/v2/catalog-products/${p.id}/prices` } },
    };
  });

  app.get('/v2/catalog-products/:id/availability', async (request: Req, reply) => {
    const p = product(request.params.id);
    if (!p) return notFound(reply, 'Catalog product');
    const { items, paging } = page(store.variantsOf(p), request.query);
    return v2List(base(), `/v2/catalog-products/${p.id}/availability`, items.map((v) => variantAvailabilityV2(v, p.techniques)), paging);
  });

  app.get('/v2/catalog-variants/:id', async (request: Req, reply) => {
    const v = variant(request.params.id);
    if (!v) return notFound(reply, 'Catalog variant');
    return { data: catalogVariantV2(base(), v), _links: { self: { href: `${base()}/v2/catalog-variants/${v.id}` } } };
  });

  app.get('/v2/catalog-variants/:id/prices', async (request: Req, reply) => {
    const v = variant(request.params.id);
    const p = v ? store.products.get(v.productId) : undefined;
    if (!v || !p) return notFound(reply, 'Catalog variant');
    return { data: variantPricesV2(p, v), _links: { self: { href: `${base()}/v2/catalog-variants/${v.id}/prices` } } };
  });

  app.get('/v2/catalog-variants/:id/availability', async (request: Req, reply) => {
    const v = variant(request.params.id);
    const p = v ? store.products.get(v.productId) : undefined;
    if (!v || !p) return notFound(reply, 'Catalog variant');
    return { data: variantAvailabilityV2(v, p.techniques), _links: { self: { href: `${base()}/v2/catalog-variants/${v.id}/availability` } } };
  });

  app.get('/v2/webhooks', async (request: Req, reply) => {
    const c = runtime.webhooks.v2.get(tokenOf(request));
    if (!c) return notFound(reply, 'Webhook settings');
    if (c.expiresAt !== null && c.expiresAt <= Date.now() && request.query.show_expired !== 'true') {
      const message = 'The settings are expired. To view them, please use query param show_expired with value true.';
      return reply.code(404).send(v1Error(404, message, 'NotFound'));
    }
    return { data: v2ConfigView(c) };
  });

  app.post('/v2/webhooks', async (request, reply) => {
    try {
      return { data: v2ConfigView(runtime.webhooks.setV2(tokenOf(request), request.body)) };
    } catch (err) {
      if (err instanceof ConfigError) return reply.code(err.status).send(v1Error(err.status, err.message, 'BadRequest'));
      throw err;
    }
  });

  app.delete('/v2/webhooks', async (request, reply) => {
    runtime.webhooks.v2.delete(tokenOf(request));
    return reply.code(204).send();
  });
}
