// REST Admin legacy subset: products, orders and customers (list, single, count) with the request-count
// leaky bucket (40, leaking 2/s, time-scaled), X-Shopify-Shop-Api-Call-Limit on every answer, 429 with
// Retry-After: 2.0 and Shopify's errors body when the bucket is full, and orders.json defaulting to
// status=open.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { INVALID_TOKEN_BODY, REST_THROTTLED_BODY, injectFault, maybeBumpUpdatedAt, scopesFor } from '../api-guard.js';
import { isKnownVersionShape } from '../options.js';
import type { SandboxRuntime } from '../runtime.js';
import type { CustomerRecord, OrderRecord, ProductRecord } from '../store/types.js';
import type { Query } from './listing.js';
import { RestQueryError, linkHeader, pickFields, restFilter, restPage } from './listing.js';
import { restCustomer, restOrder, restProduct } from './shapes.js';

const ORDER_WINDOW_MS = 60 * 86_400_000;

type Resource = 'products' | 'orders' | 'customers';

interface ResourceDef<T> {
  scope: string;
  singular: string;
  defaults: Query;
  status?: (r: T) => string[];
  visible?: (r: T, runtime: SandboxRuntime, scopes: ReadonlySet<string>) => boolean;
  shape: (runtime: SandboxRuntime, r: T) => Record<string, unknown>;
  get: (runtime: SandboxRuntime, id: number) => T | undefined;
}

function orderVisible(o: OrderRecord, _runtime: SandboxRuntime, scopes: ReadonlySet<string>): boolean {
  return scopes.has('read_all_orders') || o.createdAt >= Date.now() - ORDER_WINDOW_MS;
}

const RESOURCES: { [K in Resource]: ResourceDef<K extends 'products' ? ProductRecord : K extends 'orders' ? OrderRecord : CustomerRecord> } = {
  products: {
    scope: 'read_products', singular: 'product', defaults: {},
    status: (p) => [p.status === 'UNLISTED' ? 'active' : p.status.toLowerCase()],
    shape: (rt, p) => restProduct(rt.store, p), get: (rt, id) => rt.store.products.get(id),
  },
  orders: {
    scope: 'read_orders', singular: 'order', defaults: { status: 'open' },
    status: (o) => [o.cancelledAt !== null ? 'cancelled' : o.closedAt !== null ? 'closed' : 'open'],
    visible: orderVisible, shape: (rt, o) => restOrder(rt.store, o), get: (rt, id) => rt.store.orders.get(id),
  },
  customers: {
    scope: 'read_customers', singular: 'customer', defaults: {},
    shape: (rt, c) => restCustomer(rt.store, c), get: (rt, id) => rt.store.customers.get(id),
  },
};

function hasScope(scopes: ReadonlySet<string>, scope: string): boolean {
  return scopes.has(scope) || scopes.has(scope.replace('read_', 'write_'));
}

export function registerRestRoutes(app: FastifyInstance, runtime: SandboxRuntime): void {
  /** Authentication, faults and the request bucket; returns the caller's scopes, or undefined when answered. */
  async function admit(request: FastifyRequest, reply: FastifyReply, version: string): Promise<ReadonlySet<string> | undefined> {
    const log = (status: number, throttled = false) => runtime.log.add({
      at: new Date().toISOString(), method: request.method, path: request.url, api: 'rest', operationName: null,
      requestedCost: null, actualCost: null, throttled, status, fault: null,
    });
    if (!isKnownVersionShape(version)) {
      log(404);
      await reply.code(404).send({ errors: 'Not Found' });
      return undefined;
    }
    const scopes = scopesFor(runtime, request);
    if (!scopes) {
      log(401);
      await reply.code(401).send(INVALID_TOKEN_BODY);
      return undefined;
    }
    const { handled } = await injectFault(runtime, request, reply, 'rest');
    if (handled) return undefined;
    runtime.log.stats.rest.requests += 1;
    const { restBucket } = runtime;
    const max = restBucket.maximumAvailable;
    if (!restBucket.take(1)) {
      runtime.log.stats.rest.throttled += 1;
      log(429, true);
      await reply.code(429).header('Retry-After', '2.0').header('X-Shopify-Shop-Api-Call-Limit', `${max}/${max}`).send(REST_THROTTLED_BODY);
      return undefined;
    }
    const used = Math.min(max, Math.ceil(max - restBucket.currentlyAvailable()));
    reply.header('X-Shopify-Shop-Api-Call-Limit', `${used}/${max}`).header('X-Shopify-API-Version', version);
    maybeBumpUpdatedAt(runtime);
    log(200);
    return scopes;
  }

  function deny(reply: FastifyReply, scope: string) {
    return reply.code(403).send({ errors: `[API] This action requires merchant approval for ${scope} scope.` });
  }

  for (const resource of Object.keys(RESOURCES) as Resource[]) {
    const def = RESOURCES[resource] as unknown as ResourceDef<ProductRecord & OrderRecord & CustomerRecord>;

    app.get<{ Params: { version: string }; Querystring: Query }>(`/admin/api/:version/${resource}.json`, async (request, reply) => {
      const scopes = await admit(request, reply, request.params.version);
      if (!scopes) return reply;
      if (!hasScope(scopes, def.scope)) return deny(reply, def.scope);
      try {
        const result = restPage<ProductRecord & OrderRecord & CustomerRecord>(runtime.store, resource, request.query, def.defaults, (filters) => {
          const matches = restFilter(filters, def.status);
          return (r) => matches(r) && (!def.visible || def.visible(r, runtime, scopes));
        });
        const base = `${request.protocol}://${request.host}/admin/api/${request.params.version}/${resource}.json`;
        const link = linkHeader(base, result, request.query.fields);
        if (link) reply.header('Link', link);
        return reply.send({ [resource]: result.page.items.map((r) => pickFields(def.shape(runtime, r), request.query.fields)) });
      } catch (error) {
        if (error instanceof RestQueryError) return reply.code(400).send(error.body);
        throw error;
      }
    });

    app.get<{ Params: { version: string }; Querystring: Query }>(`/admin/api/:version/${resource}/count.json`, async (request, reply) => {
      const scopes = await admit(request, reply, request.params.version);
      if (!scopes) return reply;
      if (!hasScope(scopes, def.scope)) return deny(reply, def.scope);
      try {
        const matches = restFilter<ProductRecord & OrderRecord & CustomerRecord>({ ...def.defaults, ...request.query }, def.status);
        let count = 0;
        for (const r of runtime.store.collection(resource).values()) {
          const record = r as ProductRecord & OrderRecord & CustomerRecord;
          if (matches(record) && (!def.visible || def.visible(record, runtime, scopes))) count += 1;
        }
        return reply.send({ count });
      } catch (error) {
        if (error instanceof RestQueryError) return reply.code(400).send(error.body);
        throw error;
      }
    });

    app.get<{ Params: { version: string; id: string }; Querystring: Query }>(`/admin/api/:version/${resource}/:id`, async (request, reply) => {
      const scopes = await admit(request, reply, request.params.version);
      if (!scopes) return reply;
      if (!hasScope(scopes, def.scope)) return deny(reply, def.scope);
      const id = /^(\d+)\.json$/.exec(request.params.id)?.[1];
      const record = id === undefined ? undefined : def.get(runtime, Number(id));
      if (!record || (def.visible && !def.visible(record, runtime, scopes))) return reply.code(404).send({ errors: 'Not Found' });
      return reply.send({ [def.singular]: pickFields(def.shape(runtime, record), request.query.fields) });
    });
  }
}
