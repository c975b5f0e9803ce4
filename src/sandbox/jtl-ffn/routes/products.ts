// /api/v1/merchant/products (section 2, 5): collection, create, read, partial update, and the products feed.
import type { FastifyInstance } from 'fastify';
import { productFeed } from '../feeds.js';
import { callerOf } from '../guard.js';
import { createProduct, findProductOr404, patchProduct } from '../products.js';
import { collection } from '../query.js';
import type { FfnRuntime } from '../runtime.js';
import { productJson } from '../shapes.js';

type Jfsku = { Params: { jfsku: string } };

export const PRODUCT_FILTERS = ['jfsku', 'merchantSku', 'name', 'identifier/ean'];

export function registerProductRoutes(api: FastifyInstance, runtime: FfnRuntime): void {
  const live = () => [...runtime.store.products.values()].filter((p) => p.mod.state !== 'Deleted');

  api.get('/products', async (request) => collection(request, runtime.baseUrl, live(), {
    filterable: PRODUCT_FILTERS,
    shape: (p) => productJson(runtime, p),
    view: (p) => ({ jfsku: p.jfsku, merchantSku: p.fields.merchantSku, name: p.fields.name, identifier: p.fields.identifier, get modificationInfo() { return productJson(runtime, p).modificationInfo; } }),
  }));
  api.get('/products/updates', async (request) => productFeed(runtime, request));
  api.post('/products', async (request, reply) =>
    reply.code(201).send(productJson(runtime, createProduct(runtime, request.body, callerOf(request).actor))));
  api.get<Jfsku>('/products/:jfsku', async (request) => productJson(runtime, findProductOr404(runtime, request.params.jfsku)));
  api.patch<Jfsku>('/products/:jfsku', async (request) =>
    productJson(runtime, patchProduct(runtime, request.params.jfsku, request.body, callerOf(request).actor)));
}
