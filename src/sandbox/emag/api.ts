// The Marketplace API: `POST /api-3/{resource}/{action}` and `PATCH /api-3/offer_stock/{id}`. Every call
// goes through Basic auth (one login per account), the account's rate limit for its route group, fault
// injection, then its handler; every answer but the PATCH and 429 uses the {isError, messages, results}
// envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from './filters.js';
import { routeGroup } from './limits.js';
import { MarketplaceError } from './marketplace.js';
import { countOffers, patchStock, readOffers, saveOffers } from './offers-api.js';
import { acknowledgeOrder, countOrders, readOrders, type ReadResult } from './orders-api.js';
import { type Account, accountByUsername, type SandboxRuntime } from './runtime.js';

export const FORBIDDEN_BODY = { isError: true, messages: ['You are not allowed to use this API.'], results: [] };
export const THROTTLED_BODY = { message: 'API rate limit exceeded' };

const envelope = (results: unknown, messages: string[] = [], isError = false) => ({ isError, messages, results });

function basicUser(request: FastifyRequest): { username: string; password: string } | null {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The request's parameters: the documented `data` wrapper or, as production clients send them, top level. */
export function unwrap(body: unknown): unknown {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'data' in body) return (body as { data: unknown }).data;
  return body ?? {};
}

const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

type Route = 'order/read' | 'order/count' | 'order/acknowledge' | 'product_offer/read' | 'product_offer/count' | 'product_offer/save' | 'offer_stock';
const READS = new Set<Route>(['order/read', 'product_offer/read']);

function dispatch(runtime: SandboxRuntime, account: Account, route: Route, id: string | undefined, body: unknown): ReadResult & { messages?: string[] } {
  switch (route) {
    case 'order/read': return readOrders(runtime, account, asObject(body));
    case 'order/count': return countOrders(runtime, account, asObject(body));
    case 'order/acknowledge': return acknowledgeOrder(account, id);
    case 'product_offer/read': return readOffers(runtime, account, asObject(body));
    case 'product_offer/count': return countOffers(runtime, account, asObject(body));
    case 'product_offer/save': return saveOffers(runtime, account, body);
    case 'offer_stock': throw new Error('offer_stock takes PATCH');
  }
}

function routeOf(method: string, segments: string[]): { route: Route; id?: string } | null {
  const [resource, action, id] = segments;
  if (method === 'PATCH') return resource === 'offer_stock' && action && !id ? { route: 'offer_stock', id: action } : null;
  if (resource === 'order' && action === 'acknowledge' && id && segments.length === 3) return { route: 'order/acknowledge', id };
  const key = `${resource}/${action}`;
  const known: Route[] = ['order/read', 'order/count', 'product_offer/read', 'product_offer/count', 'product_offer/save'];
  return segments.length === 2 && known.includes(key as Route) ? { route: key as Route } : null;
}

async function handle(runtime: SandboxRuntime, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const path = request.url.split('?')[0]!;
  const segments = path.replace(/^\/api-3\/?/, '').split('/').filter(Boolean);
  const matched = routeOf(request.method, segments);
  const group = routeGroup(segments[0] ?? '');
  const entry = { at: Date.now(), method: request.method, path, route: matched?.route ?? segments.join('/'), group, throttled: false, fault: null as string | null, page: null as number | null };
  const user = basicUser(request);
  const account = user ? accountByUsername(runtime, user.username) : undefined;
  if (!account || account.config.password !== user!.password) {
    runtime.log.add({ ...entry, account: null, status: 403 });
    return reply.code(403).send(FORBIDDEN_BODY);
  }
  const name = account.config.name;
  const log = (status: number) => runtime.log.add({ ...entry, account: name, status });
  // Invalid requests count against the limit too, so the limit comes before any validation.
  if (!account.limits.take(group)) {
    entry.throttled = true;
    log(429);
    return reply.code(429).headers(account.limits.headers(group)).send(THROTTLED_BODY);
  }
  const end = runtime.log.begin(name);
  reply.raw.once('close', end);
  reply.headers(account.limits.headers(group));
  const faults = runtime.faults.for(name);
  if (faults.latencyMs > 0) await new Promise<void>((resolve) => runtime.clock.after(faults.latencyMs, resolve));
  if (!matched) {
    log(404);
    return reply.code(404).send(request.method === 'PATCH' ? { message: 'Invalid URL' } : envelope([], [`Unknown resource or action: ${segments.join('/')}`], true));
  }
  if (faults.invalidIp) {
    log(200);
    return reply.code(200).send(envelope([], [`ERROR: Invalid vendor ip [${request.ip}]`], true));
  }
  const fault = runtime.faults.draw(name);
  entry.fault = fault;
  if (fault === '5xx') {
    log(faults.status5xx);
    return reply.code(faults.status5xx).type('text/html').send(`<html><body><h1>${faults.status5xx} Server Error</h1></body></html>`);
  }
  if (fault === '429') {
    entry.throttled = true;
    log(429);
    return reply.code(429).send(THROTTLED_BODY);
  }
  const body = unwrap(request.body);
  if (matched.route === 'offer_stock') {
    const answer = patchStock(runtime, account, matched.id, body);
    log(answer.status);
    return answer.status === 204 ? reply.code(204).send() : reply.code(answer.status).send(answer.body);
  }
  let out: ReturnType<typeof dispatch>;
  try {
    out = dispatch(runtime, account, matched.route, matched.id, body);
  } catch (err) {
    // Refusals and bad parameters come back inside a 200, as eMAG answers them; anything else is a bug here.
    const status = err instanceof MarketplaceError || err instanceof InputError ? 200 : 500;
    log(status);
    return reply.code(status).send(envelope([], [(err as Error).message], true));
  }
  entry.page = out.page ?? null;
  let results = out.results;
  if (READS.has(matched.route)) {
    const previous = account.lastPage.get(matched.route);
    if (faults.pageRepeat && (out.page ?? 1) > 1 && previous) {
      results = previous;
      entry.fault = 'page-repeat';
    }
    account.lastPage.set(matched.route, results as unknown[]);
  }
  log(200);
  const payload = JSON.stringify(envelope(results, out.messages ?? [], (out.messages ?? []).length > 0));
  return reply.code(200).type('application/json').send(fault === 'malformed' ? payload.slice(0, Math.max(1, payload.length >> 1)) : payload);
}

export function registerApiRoutes(app: FastifyInstance, runtime: SandboxRuntime): void {
  app.post('/api-3/*', (request, reply) => handle(runtime, request, reply));
  app.patch('/api-3/*', (request, reply) => handle(runtime, request, reply));
}
