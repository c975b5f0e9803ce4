// /orders, /customers (+ batch) and /webhooks (sections 2, 3, 5, 6). Customers take no date filters:
// modified_after is ignored there, as the real API ignores unknown parameters.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WooError } from '../errors.js';
import { list, one, paginate, type Query } from '../listing.js';
import {
  createCustomer, createOrder, deleteCustomer, deleteOrder, findCustomer, findOrder, updateCustomer, updateOrder,
} from '../order-customer-writes.js';
import type { WooRuntime } from '../runtime.js';
import { customerJson, orderJson, webhookJson } from '../shapes.js';
import type { CustomerRec, OrderRec, WebhookRec } from '../store.js';
import { checkFields } from '../validate.js';
import { isValidTopic, type WebhookDispatcher } from '../webhooks.js';
import { runBatch } from './batch.js';

type Id = { Params: { id: string } };
const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : 0);
const force = (request: FastifyRequest): boolean => ['true', '1'].includes(String((request.query as Query).force ?? ''));
const sec = (ms: number) => Math.floor(ms / 1000);

const ORDER_SORT = {
  date: (o: OrderRec) => sec(o.created), id: (o: OrderRec) => o.id, include: (o: OrderRec) => o.id,
  title: (o: OrderRec) => String(o.id), slug: (o: OrderRec) => String(o.id), modified: (o: OrderRec) => sec(o.modified),
};
const CUSTOMER_SORT = {
  id: (c: CustomerRec) => c.id, include: (c: CustomerRec) => c.id,
  name: (c: CustomerRec) => `${c.first_name} ${c.last_name}`.trim().toLowerCase() || c.username, registered_date: (c: CustomerRec) => sec(c.created),
};
const WEBHOOK_SORT = { date: (w: WebhookRec) => sec(w.created), id: (w: WebhookRec) => w.id, include: (w: WebhookRec) => w.id, title: (w: WebhookRec) => w.name };

export function registerOrderCustomerRoutes(app: FastifyInstance, runtime: WooRuntime, dispatcher: WebhookDispatcher): void {
  const { store } = runtime;
  const oview = (o: OrderRec) => orderJson(runtime.shape(), o);
  const cview = (c: CustomerRec) => customerJson(runtime.shape(), c);
  const location = (path: string) => `${runtime.home()}/wp-json/wc/v3/${path}`;
  const withCurrency = (body: unknown) => ({ currency: runtime.options.currency, ...(body as object) });

  app.get('/orders', async (request, reply) => {
    const q = request.query as Query;
    const status = list(q, 'status') ?? ['any'];
    const extra: ((o: OrderRec) => boolean)[] = [status.includes('any') ? (o) => o.status !== 'trash' : (o) => status.includes(o.status)];
    const customer = one(q, 'customer');
    if (customer !== undefined) extra.push((o) => o.customer_id === Number(customer));
    const product = one(q, 'product');
    if (product !== undefined) extra.push((o) => o.line_items.some((l) => l.product_id === Number(product)));
    const dates = { created: (o: OrderRec) => o.created, modified: (o: OrderRec) => o.modified };
    return paginate(runtime, q, reply, [...store.orders.values()], { route: 'orders', orderby: ORDER_SORT, defaultOrderby: 'date', defaultOrder: 'desc', dates }, extra).map(oview);
  });
  app.post('/orders', async (request, reply) => {
    const o = createOrder(runtime.write(true), withCurrency(request.body));
    return reply.code(201).header('Location', location(`orders/${o.id}`)).send(oview(o));
  });
  app.post('/orders/batch', async (request) => runBatch(request.body, runtime.options.batchLimit, {
    create: (item) => oview(createOrder(runtime.write(false), withCurrency(item))),
    update: (id, item) => oview(updateOrder(runtime.write(false), findOrder(runtime.write(false), id, 'PUT'), item)),
    remove: (id) => oview(deleteOrder(runtime.write(false), findOrder(runtime.write(false), id, 'DELETE'), true)),
  }));
  app.get<Id>('/orders/:id', async (request) => oview(findOrder(runtime.write(true), num(request.params.id), 'GET')));
  app.put<Id>('/orders/:id', async (request) => oview(updateOrder(runtime.write(true), findOrder(runtime.write(true), num(request.params.id), 'PUT'), request.body)));
  app.delete<Id>('/orders/:id', async (request) => oview(deleteOrder(runtime.write(true), findOrder(runtime.write(true), num(request.params.id), 'DELETE'), force(request))));

  app.get('/customers', async (request, reply) => {
    const q = request.query as Query;
    const extra: ((c: CustomerRec) => boolean)[] = [];
    const email = one(q, 'email');
    if (email) extra.push((c) => c.email.toLowerCase() === email.toLowerCase());
    const role = one(q, 'role') ?? 'customer';
    if (role !== 'all') extra.push((c) => c.role === role);
    const search = one(q, 'search')?.toLowerCase();
    if (search) extra.push((c) => `${c.email} ${c.first_name} ${c.last_name} ${c.username}`.toLowerCase().includes(search));
    // No `dates`: customers have no date filters (section 3), so modified_after is silently ignored.
    return paginate(runtime, q, reply, [...store.customers.values()], { route: 'customers', orderby: CUSTOMER_SORT, defaultOrderby: 'name', defaultOrder: 'asc' }, extra).map(cview);
  });
  app.post('/customers', async (request, reply) => {
    const c = createCustomer(runtime.write(true), request.body);
    return reply.code(201).header('Location', location(`customers/${c.id}`)).send(cview(c));
  });
  app.post('/customers/batch', async (request) => runBatch(request.body, runtime.options.batchLimit, {
    create: (item) => cview(createCustomer(runtime.write(false), item)),
    update: (id, item) => cview(updateCustomer(runtime.write(false), findCustomer(runtime.write(false), id, 'PUT'), item)),
    remove: (id) => cview(deleteCustomer(runtime.write(false), findCustomer(runtime.write(false), id, 'DELETE'), true)),
  }));
  app.get<Id>('/customers/:id', async (request) => cview(findCustomer(runtime.write(true), num(request.params.id), 'GET')));
  app.put<Id>('/customers/:id', async (request) => cview(updateCustomer(runtime.write(true), findCustomer(runtime.write(true), num(request.params.id), 'PUT'), request.body)));
  app.delete<Id>('/customers/:id', async (request) => cview(deleteCustomer(runtime.write(true), findCustomer(runtime.write(true), num(request.params.id), 'DELETE'), force(request))));

  registerWebhookRoutes(app, runtime, dispatcher);
}

const WEBHOOK_FIELDS = { name: 'string', status: ['active', 'paused', 'disabled'], topic: 'string', delivery_url: 'string', secret: 'string' } as const;

function registerWebhookRoutes(app: FastifyInstance, runtime: WooRuntime, dispatcher: WebhookDispatcher): void {
  const { store } = runtime;
  const view = (w: WebhookRec) => webhookJson(runtime.shape(), w);
  const find = (id: string, method: string) => {
    const w = store.webhooks.get(num(id));
    if (!w) throw new WooError(method === 'PUT' ? 400 : 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
    return w;
  };
  const checkTopicUrl = (f: Record<string, unknown>) => {
    if (typeof f.topic === 'string' && !isValidTopic(f.topic)) throw new WooError(400, 'woocommerce_rest_webhook_invalid_topic', 'Webhook topic is required and must be valid.');
    if (typeof f.delivery_url === 'string' && !/^https?:\/\/\S+$/i.test(f.delivery_url)) {
      throw new WooError(400, 'woocommerce_rest_webhook_invalid_delivery_url', 'Webhook delivery URL must be a valid URL starting with http:// or https://.');
    }
  };

  app.get('/webhooks', async (request, reply) => {
    const q = request.query as Query;
    const status = one(q, 'status') ?? 'all';
    const extra = status === 'all' ? [] : [(w: WebhookRec) => w.status === status];
    return paginate(runtime, q, reply, [...store.webhooks.values()], { route: 'webhooks', orderby: WEBHOOK_SORT, defaultOrderby: 'date', defaultOrder: 'desc' }, extra).map(view);
  });

  app.post('/webhooks', async (request, reply) => {
    const f = checkFields(request.body, WEBHOOK_FIELDS, true);
    const missing = ['topic', 'delivery_url'].filter((k) => typeof f[k] !== 'string' || f[k] === '');
    if (missing.length > 0) throw new WooError(400, 'rest_missing_callback_param', `Missing parameter(s): ${missing.join(', ')}`, { params: missing });
    checkTopicUrl(f);
    const now = runtime.now();
    const w: WebhookRec = {
      id: store.webhookId(), name: typeof f.name === 'string' ? f.name : `Webhook created on ${new Date(now).toUTCString()}`,
      // REST create makes it active unless told otherwise.
      status: (f.status as WebhookRec['status']) ?? 'active', topic: String(f.topic), delivery_url: String(f.delivery_url),
      secret: typeof f.secret === 'string' && f.secret !== '' ? f.secret : randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '&').slice(0, 50),
      failure_count: 0, created: now, modified: now,
    };
    store.webhooks.set(w.id, w);
    // The ping is part of the create request; its failure does not fail the create.
    if (w.status === 'active') await dispatcher.ping(w);
    return reply.code(201).header('Location', `${runtime.home()}/wp-json/wc/v3/webhooks/${w.id}`).send(view(w));
  });

  app.get<Id>('/webhooks/:id', async (request) => view(find(request.params.id, 'GET')));

  app.put<Id>('/webhooks/:id', async (request) => {
    const w = find(request.params.id, 'PUT');
    const f = checkFields(request.body, WEBHOOK_FIELDS, true);
    checkTopicUrl(f);
    if (typeof f.name === 'string') w.name = f.name;
    if (typeof f.topic === 'string') w.topic = f.topic;
    if (typeof f.delivery_url === 'string') w.delivery_url = f.delivery_url;
    if (typeof f.secret === 'string') w.secret = f.secret;
    if (typeof f.status === 'string') w.status = f.status as WebhookRec['status'];
    w.modified = runtime.now();
    return view(w);
  });

  app.delete<Id>('/webhooks/:id', async (request) => {
    const w = find(request.params.id, 'DELETE');
    if (!force(request)) throw new WooError(501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
    store.webhooks.delete(w.id);
    return view(w);
  });
}
