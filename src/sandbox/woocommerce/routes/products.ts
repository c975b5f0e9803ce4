// /products, /products/<id>, /products/batch and the variations routes (sections 2, 3, 5).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WooError } from '../errors.js';
import { list, one, paginate, type Query } from '../listing.js';
import {
  createProduct, createVariation, deleteProduct, findProduct, findVariation, updateProduct,
} from '../product-writes.js';
import type { WooRuntime } from '../runtime.js';
import { productJson, variationJson } from '../shapes.js';
import type { ProductRec } from '../store.js';
import { runBatch } from './batch.js';

type Id = { Params: { id: string } };
type VarId = { Params: { product_id: string; id: string } };

const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : 0);
const force = (request: FastifyRequest): boolean => ['true', '1'].includes(String((request.query as Query).force ?? ''));

const ORDERBY = {
  date: (p: ProductRec) => Math.floor(p.created / 1000),
  id: (p: ProductRec) => p.id,
  include: (p: ProductRec) => p.id,
  title: (p: ProductRec) => p.name.toLowerCase(),
  slug: (p: ProductRec) => p.slug,
  modified: (p: ProductRec) => Math.floor(p.modified / 1000),
  menu_order: (p: ProductRec) => p.menu_order,
  price: (p: ProductRec) => Number(p.sale_price || p.regular_price || 0),
  popularity: (p: ProductRec) => p.total_sales,
  rating: () => 0,
};
const DATES = { created: (p: ProductRec) => p.created, modified: (p: ProductRec) => p.modified };

/** Filters shared by products and variations: sku, status (default any = not trashed), stock_status, search. */
function filters(q: Query): ((p: ProductRec) => boolean)[] {
  const out: ((p: ProductRec) => boolean)[] = [];
  const skus = list(q, 'sku');
  if (skus) out.push((p) => skus.includes(p.sku));
  const status = list(q, 'status') ?? ['any'];
  out.push(status.includes('any') ? (p) => p.status !== 'trash' : (p) => status.includes(p.status));
  const stock = one(q, 'stock_status');
  if (stock) out.push((p) => p.stock_status === stock);
  const search = one(q, 'search')?.toLowerCase();
  if (search) out.push((p) => p.name.toLowerCase().includes(search) || p.sku.toLowerCase().includes(search));
  return out;
}

export function registerProductRoutes(app: FastifyInstance, runtime: WooRuntime): void {
  const { store } = runtime;
  const view = (p: ProductRec) => productJson(runtime.shape(), p);
  const vview = (p: ProductRec) => variationJson(runtime.shape(), p);
  const location = (path: string) => `${runtime.home()}/wp-json/wc/v3/${path}`;

  /** The writeOnRead quirk: a read saves the product, moving date_modified and firing product.updated. */
  const readHook = (p: ProductRec) => {
    if (!runtime.faults.current.writeOnRead) return;
    p.modified = runtime.now();
    store.emit('product', 'updated', p.id);
  };

  app.get('/products', async (request, reply) => {
    const q = request.query as Query;
    const extra = filters(q);
    const type = one(q, 'type');
    if (type) extra.push((p) => p.type === type);
    const slug = one(q, 'slug');
    if (slug) extra.push((p) => p.slug === slug);
    const parents = list(q, 'parent')?.map(Number);
    if (parents) extra.push((p) => parents.includes(p.parent_id));
    const category = list(q, 'category')?.map(Number);
    if (category) extra.push((p) => p.categories.some((c) => category.includes(c.id)));
    const rows = [...store.products.values()].filter((p) => p.type !== 'variation');
    return paginate(runtime, q, reply, rows, { route: 'products', orderby: ORDERBY, defaultOrderby: 'date', defaultOrder: 'desc', dates: DATES }, extra).map(view);
  });

  app.post('/products', async (request, reply) => {
    const p = createProduct(runtime.write(true), request.body);
    return reply.code(201).header('Location', location(`products/${p.id}`)).send(view(p));
  });

  app.post('/products/batch', async (request) => {
    const ctx = () => runtime.write(false);
    return runBatch(request.body, runtime.options.batchLimit, {
      create: (item) => view(createProduct(ctx(), item)),
      update: (id, item) => view(updateProduct(ctx(), findProduct(store, id, 'PUT'), item)),
      remove: (id) => view(deleteProduct(ctx(), findProduct(store, id, 'DELETE'), true)),
    });
  });

  // A variation id is served here too, in the product shape (also what product.* webhooks carry for variations).
  app.get<Id>('/products/:id', async (request) => {
    const p = findProduct(store, num(request.params.id), 'GET', true);
    readHook(p);
    return view(p);
  });

  app.put<Id>('/products/:id', async (request) =>
    view(updateProduct(runtime.write(true), findProduct(store, num(request.params.id), 'PUT', true), request.body)));

  app.delete<Id>('/products/:id', async (request) =>
    view(deleteProduct(runtime.write(true), findProduct(store, num(request.params.id), 'DELETE', true), force(request))));

  const parentOf = (id: string, method: string) => {
    const parent = store.products.get(num(id));
    if (!parent || parent.type === 'variation') {
      throw new WooError(method === 'GET' || method === 'DELETE' ? 404 : 400, 'woocommerce_rest_product_invalid_id', 'Invalid ID.');
    }
    return parent;
  };

  app.get<{ Params: { product_id: string } }>('/products/:product_id/variations', async (request, reply) => {
    const parent = parentOf(request.params.product_id, 'GET');
    const rows = store.variationsOf(parent.id);
    const route = `products/${parent.id}/variations`;
    return paginate(runtime, request.query as Query, reply, rows, { route, orderby: ORDERBY, defaultOrderby: 'date', defaultOrder: 'desc', dates: DATES }, filters(request.query as Query)).map(vview);
  });

  app.post<{ Params: { product_id: string } }>('/products/:product_id/variations', async (request, reply) => {
    const parent = parentOf(request.params.product_id, 'POST');
    const v = createVariation(runtime.write(true), parent, request.body);
    return reply.code(201).header('Location', location(`products/${parent.id}/variations/${v.id}`)).send(vview(v));
  });

  app.post<{ Params: { product_id: string } }>('/products/:product_id/variations/batch', async (request) => {
    const parent = parentOf(request.params.product_id, 'POST');
    const ctx = () => runtime.write(false);
    return runBatch(request.body, runtime.options.batchLimit, {
      create: (item) => vview(createVariation(ctx(), parent, item)),
      update: (id, item) => vview(updateProduct(ctx(), findVariation(store, parent.id, id, 'PUT'), item)),
      remove: (id) => vview(deleteProduct(ctx(), findVariation(store, parent.id, id, 'DELETE'), true)),
    });
  });

  app.get<VarId>('/products/:product_id/variations/:id', async (request) => {
    const v = findVariation(store, num(request.params.product_id), num(request.params.id), 'GET');
    readHook(v);
    return vview(v);
  });

  app.put<VarId>('/products/:product_id/variations/:id', async (request) =>
    vview(updateProduct(runtime.write(true), findVariation(store, num(request.params.product_id), num(request.params.id), 'PUT'), request.body)));

  app.delete<VarId>('/products/:product_id/variations/:id', async (request) =>
    vview(deleteProduct(runtime.write(true), findVariation(store, num(request.params.product_id), num(request.params.id), 'DELETE'), force(request))));
}
