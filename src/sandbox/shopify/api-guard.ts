// What every Admin API request (GraphQL and REST) goes through before its handler: authentication with
// Shopify's exact 401 body, and fault injection (resets, hangs, 5xx, 429, truncated bodies, 423).
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxRuntime } from './runtime.js';
import type { RequestFault } from './faults.js';

export const INVALID_TOKEN_BODY = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };
export const REST_THROTTLED_BODY = {
  errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
};
export const THROTTLED_DOCUMENTATION = 'https://shopify.dev/api/usage/rate-limits';

export function scopesFor(runtime: SandboxRuntime, request: FastifyRequest): ReadonlySet<string> | undefined {
  const token = request.headers['x-shopify-access-token'];
  return typeof token === 'string' ? runtime.tokens.get(token) : undefined;
}

/** Marks a request whose reply must be cut short (the malformed-JSON fault); see truncateIfMarked. */
const truncated = new WeakSet<FastifyRequest>();

export function truncateIfMarked(request: FastifyRequest, payload: unknown): unknown {
  if (!truncated.has(request) || typeof payload !== 'string') return payload;
  return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
}

function internalError(api: 'graphql' | 'rest') {
  const requestId = randomUUID();
  if (api === 'rest') return { errors: 'Internal Server Error' };
  return { errors: [{
    message: `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  }] };
}

/**
 * Applies an injected fault. Returns true when the request has been answered (or dropped) and the handler
 * must not run; false when the handler should continue (after a hang, or with a reply to truncate).
 */
export async function applyFault(
  runtime: SandboxRuntime, request: FastifyRequest, reply: FastifyReply, api: 'graphql' | 'rest', fault: RequestFault,
): Promise<boolean> {
  const { stats } = runtime.log;
  stats.faultsInjected += 1;
  stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
  switch (fault) {
    case 'reset':
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    case 'hang':
      await new Promise<void>((resolve) => runtime.clock.afterReal(runtime.faults.current.hangMs, resolve));
      if (request.raw.socket.destroyed) {
        reply.hijack();
        return true;
      }
      return false;
    case '5xx':
      await reply.code(500).send(internalError(api));
      return true;
    case '429':
      await reply.code(429).header('Retry-After', '2.0').send(api === 'rest' ? REST_THROTTLED_BODY : {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: THROTTLED_DOCUMENTATION } }],
      });
      return true;
    case 'locked':
      await reply.code(423).send({ errors: 'Locked' });
      return true;
    case 'malformed':
      truncated.add(request);
      return false;
  }
}

/** The spurious-updatedAt fault: a record's updatedAt moves with no visible change (observed on Shopify). */
export function maybeBumpUpdatedAt(runtime: SandboxRuntime): void {
  const { faults, store } = runtime;
  if (!faults.random.chance(faults.current.spuriousUpdatedAtBump)) return;
  const kinds = [
    ['products', store.products, 'products/update'],
    ['orders', store.orders, 'orders/updated'],
    ['customers', store.customers, 'customers/update'],
  ] as const;
  const [name, map, topic] = faults.random.pick(kinds);
  if (map.size === 0) return;
  const ids = store.sorted(name, 'ID');
  const record = faults.random.pick(ids) as { id: number; updatedAt: number };
  store.touch(name, record);
  store.emit(topic, record.id);
}

const FAULT_STATUS: Record<RequestFault, number> = { reset: 0, hang: 0, '5xx': 500, '429': 429, locked: 423, malformed: 200 };

/**
 * Injects this request's fault, if one is drawn. Returns `handled: true` when the fault answered (or
 * dropped) the request, which is then logged here; otherwise the handler runs and logs it itself.
 */
export async function injectFault(
  runtime: SandboxRuntime, request: FastifyRequest, reply: FastifyReply, api: 'graphql' | 'rest',
): Promise<{ handled: boolean; fault: RequestFault | null }> {
  await slowDown(runtime, request);
  const fault = runtime.faults.forRequest();
  if (!fault) return { handled: false, fault: null };
  const handled = await applyFault(runtime, request, reply, api, fault);
  if (handled) {
    runtime.log.add({
      at: new Date().toISOString(), method: request.method, path: request.url, api, operationName: null,
      requestedCost: null, actualCost: null, throttled: false, status: FAULT_STATUS[fault], fault,
    });
  }
  return { handled, fault };
}

/** The latency fault: a slow shop, or only some slow operations (named in the document: `query Customers(...)`). */
async function slowDown(runtime: SandboxRuntime, request: FastifyRequest): Promise<void> {
  const { latencyMs, latencyOperations } = runtime.faults.current;
  if (latencyMs <= 0) return;
  if (latencyOperations.length > 0) {
    const query = (request.body as { query?: unknown } | undefined)?.query;
    const name = typeof query === 'string' ? /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] : undefined;
    if (!name || !latencyOperations.includes(name)) return;
  }
  await new Promise<void>((resolve) => runtime.clock.afterReal(latencyMs, resolve));
}
