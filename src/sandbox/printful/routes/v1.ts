// v1 routes: catalog (products, variants, categories), store/sync products and the v1 webhook
// configuration, in the {code, result, paging} envelope (platforms/printful.md sections 2, 3, 5, 7).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestInfo } from '../guard.js';
import type { SandboxRuntime } from '../runtime.js';
import { catalogProductV1, catalogVariantV1, syncProductV1, syncVariantV1, v1Error, v1Ok } from '../shapes.js';
import { type SyncProductInput, type SyncVariantInput } from '../store/store.js';
import { ConfigError } from '../webhooks/configs.js';
import { idList, offsetLimit } from './paging.js';

type Q = Record<string, string | undefined>;
type Req = FastifyRequest<{ Params: { id: string }; Querystring: Q }>;

const SYNC_STATUSES = ['all', 'synced', 'unsynced', 'ignored', 'imported', 'discontinued', 'out_of_stock'];

export function notFound(reply: FastifyReply) {
  return reply.code(404).send(v1Error(404, 'Not Found', 'NotFound'));
}

export function registerV1Routes(app: FastifyInstance, runtime: SandboxRuntime): void {
  const store = runtime.store;
  const page = <T>(all: T[], query: Q) => {
    const { offset, limit } = offsetLimit(query, false);
    const unpaged = runtime.faults.current.unpagedLists;
    if (unpaged !== 'off') return { items: all, paging: unpaged === 'with_total' ? { total: all.length, offset, limit } : undefined };
    // The repeat-pages fault answers the first page for every offset (a loop a client must detect).
    const from = runtime.faults.current.repeatPages ? 0 : offset;
    return { items: all.slice(from, from + limit), paging: { total: all.length, offset, limit } };
  };

  app.get('/products', async (request: Req) => {
    const all = store.catalogProducts({ categoryIds: idList(request.query.category_id) });
    const { items, paging } = page(all, request.query);
    const info = requestInfo(request);
    if (info && (paging?.offset ?? 0) === 0) info.catalogPass = true;
    return v1Ok(items.map((p) => catalogProductV1(p, p.variantIds.length)), paging);
  });

  app.get('/products/:id', async (request: Req, reply) => {
    const p = /^\d+$/.test(request.params.id) ? store.products.get(Number(request.params.id)) : undefined;
    if (!p) return notFound(reply);
    const variants = store.variantsOf(p);
    return v1Ok({ product: catalogProductV1(p, variants.length), variants: variants.map(catalogVariantV1) });
  });

  app.get('/products/variant/:id', async (request: Req, reply) => {
    const v = /^\d+$/.test(request.params.id) ? store.variants.get(Number(request.params.id)) : undefined;
    const p = v ? store.products.get(v.productId) : undefined;
    if (!v || !p) return notFound(reply);
    return v1Ok({ variant: catalogVariantV1(v), product: catalogProductV1(p, p.variantIds.length) });
  });

  app.get('/categories', async () => {
    const ids = [...new Set(store.catalogProducts().map((p) => p.mainCategoryId))].sort((a, b) => a - b);
    return v1Ok({ categories: ids.map((id) => ({ id, parent_id: 0, title: `Category ${id}` })) });
  });

  const listSync = async (request: Req, reply: FastifyReply, searchable: boolean) => {
    const { search, status } = request.query;
    if (searchable && search !== undefined && search.length < 3) return reply.code(400).send(v1Error(400, 'EC-2 INVALID_PARAMETER_LENGTH: search must be at least 3 characters', 'BadRequest'));
    if (status !== undefined && !SYNC_STATUSES.includes(status)) return reply.code(400).send(v1Error(400, 'PR-6 INVALID_FILTER_STATUS', 'BadRequest'));
    const { items, paging } = page(store.listSyncProducts({ search: searchable ? search : undefined, status }), request.query);
    return v1Ok(items.map((p) => syncProductV1(store, p)), paging);
  };
  const getSync = async (request: Req, reply: FastifyReply) => {
    const p = store.findSyncProduct(request.params.id);
    if (!p) return notFound(reply);
    return v1Ok({ sync_product: syncProductV1(store, p), sync_variants: store.variantsOfSync(p).map((v) => syncVariantV1(store, v)) });
  };
  const deleteSync = async (request: Req, reply: FastifyReply) => {
    const p = store.findSyncProduct(request.params.id);
    if (!p) return notFound(reply);
    const view = syncProductV1(store, p);
    store.deleteSyncProduct(p);
    return v1Ok({ sync_product: view });
  };

  // The spec lists only status and category_id on /store/products; offset/limit are accepted too (sim default).
  app.get('/store/products', (request: Req, reply) => listSync(request, reply, false));
  app.get('/sync/products', (request: Req, reply) => listSync(request, reply, true));
  app.get('/store/products/:id', getSync);
  app.get('/sync/products/:id', getSync);
  app.delete('/store/products/:id', deleteSync);
  app.delete('/sync/products/:id', deleteSync);

  app.post('/store/products', async (request, reply) => {
    const p = store.createSyncProduct((request.body ?? {}) as SyncProductInput);
    return reply.code(200).send(v1Ok(syncProductV1(store, p)));
  });

  app.put('/store/products/:id', async (request: Req, reply) => {
    const p = store.findSyncProduct(request.params.id);
    if (!p) return notFound(reply);
    store.updateSyncProduct(p, (request.body ?? {}) as SyncProductInput);
    return v1Ok(syncProductV1(store, p));
  });

  app.get('/sync/variant/:id', async (request: Req, reply) => {
    const v = store.findSyncVariant(request.params.id);
    if (!v) return notFound(reply);
    return v1Ok(syncVariantV1(store, v));
  });

  app.put('/sync/variant/:id', async (request: Req, reply) => {
    const v = store.findSyncVariant(request.params.id);
    const p = v ? store.syncProducts.get(v.syncProductId) : undefined;
    if (!v || !p) return notFound(reply);
    const body = (request.body ?? {}) as SyncVariantInput;
    const variants = store.variantsOfSync(p).map((x): SyncVariantInput => (x.id === v.id ? { ...body, id: v.id } : { id: x.id }));
    store.updateSyncProduct(p, { sync_variants: variants });
    return v1Ok(syncVariantV1(store, store.syncVariants.get(v.id)!));
  });

  app.get('/webhooks', async () => {
    const c = runtime.webhooks.v1.get(runtime.options.storeId);
    return v1Ok(c ? { url: c.url, types: c.types, params: c.params } : { url: null, types: [], params: {} });
  });
  app.post('/webhooks', async (request, reply) => {
    try {
      const c = runtime.webhooks.setV1(runtime.options.storeId, request.body);
      return v1Ok({ url: c.url, types: c.types, params: c.params });
    } catch (err) {
      if (err instanceof ConfigError) return reply.code(err.status).send(v1Error(err.status, err.message, 'BadRequest'));
      throw err;
    }
  });
  app.delete('/webhooks', async () => {
    runtime.webhooks.v1.delete(runtime.options.storeId);
    return v1Ok({ url: null, types: [], params: {} });
  });
}
