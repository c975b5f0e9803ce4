// What every API request goes through before its handler: Bearer auth (and X-PF-Store-Id for
// account-level tokens on store-scoped routes), the rate limit of its route family, then injected
// faults. The request log entry is written when the reply is sent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LimitDecision } from './limits.js';
import { throttledMessage } from './limits.js';
import type { SandboxRuntime } from './runtime.js';
import { v1Error } from './shapes.js';

export interface RequestInfo {
  api: 'v1' | 'v2';
  catalog: boolean;
  throttled: boolean;
  fault: string | null;
  /** The first page of a catalog listing was answered (a new catalog pass). */
  catalogPass?: boolean;
}

const infos = new WeakMap<FastifyRequest, RequestInfo>();
const truncated = new WeakSet<FastifyRequest>();

export function requestInfo(request: FastifyRequest): RequestInfo | undefined {
  return infos.get(request);
}

const pathOf = (url: string) => url.split('?')[0] ?? url;
const isCatalog = (path: string) => /^\/(products|categories)(\/|$)/.test(path) || /^\/v2\/catalog-/.test(path);
const isStoreScoped = (path: string) => /^\/(store|sync|webhooks|orders)(\/|$)/.test(path);
const isProductWrite = (method: string, path: string) => method === 'PUT' && /^\/(store\/products|sync\/variant)\/[^/]+$/.test(path);

export function registerGuard(app: FastifyInstance, runtime: SandboxRuntime): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (path.startsWith('/_sandbox')) return;
    const info: RequestInfo = { api: path.startsWith('/v2/') ? 'v2' : 'v1', catalog: isCatalog(path), throttled: false, fault: null };
    infos.set(request, info);
    const stats = runtime.log.stats;
    stats[info.api].requests += 1;
    if (info.catalog) stats.catalog.requests += 1;

    const auth = request.headers.authorization;
    let key: string;
    if (auth === undefined && info.catalog) {
      // Catalog reads also work without auth, under their own stricter limit (per client address).
      stats.unauthenticated.requests += 1;
      const decision = runtime.limits.unauthenticatedCatalog.take(`ip:${request.ip}`);
      if (!decision.allowed) {
        stats.unauthenticated.throttled += 1;
        return throttle(reply, info, decision);
      }
      key = '';
    } else {
      const match = typeof auth === 'string' ? /^Bearer (\S+)$/.exec(auth) : null;
      if (!match) return reply.code(401).send(v1Error(401, 'Malformed Authorization header.', 'BadRequest'));
      const token = match[1]!;
      const { options } = runtime;
      if (token !== options.token && token !== options.accountToken) {
        return reply.code(401).send(v1Error(401, 'The access token provided is invalid.', 'Unauthorized'));
      }
      let storeId = options.storeId;
      if (token === options.accountToken && isStoreScoped(path)) {
        const header = request.headers['x-pf-store-id'];
        // Status when missing is undocumented; 400 is the sheet's sim default.
        if (header === undefined || header === '') return reply.code(400).send(v1Error(400, 'This endpoint requires `store_id`!', 'BadRequest'));
        if (String(header) !== String(options.storeId)) return reply.code(404).send(v1Error(404, 'Store not found', 'NotFound'));
        storeId = Number(header);
      }
      key = `${token}:${storeId}`;
    }

    if (key !== '') {
      const decision = info.api === 'v2' ? runtime.limits.v2.take(key) : runtime.limits.v1.take(key);
      if (!decision.allowed) {
        stats[info.api].throttled += 1;
        return throttle(reply, info, decision);
      }
      for (const [k, v] of Object.entries(decision.headers)) reply.header(k, v);
      if (isProductWrite(request.method, path)) {
        stats.productWrites.requests += 1;
        const write = runtime.limits.productWrites.take(key);
        if (!write.allowed) {
          stats.productWrites.throttled += 1;
          if (write.lockedOut) stats.productWrites.lockouts += 1;
          return throttle(reply, info, write);
        }
      }
    }

    const fault = runtime.faults.forRequest();
    if (!fault) return;
    info.fault = fault;
    stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    // An async hook that answered must return the reply, or the handler would run too.
    if (await applyFault(runtime, request, reply, info, fault)) return reply;
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    if (!truncated.has(request) || typeof payload !== 'string') return payload;
    return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
  });

  app.addHook('onResponse', async (request, reply) => {
    const info = infos.get(request);
    if (!info) return;
    if (info.catalogPass && reply.statusCode === 200) runtime.log.stats.catalog.passes += 1;
    runtime.log.add({
      at: new Date().toISOString(), method: request.method, path: request.url, api: info.api, catalog: info.catalog,
      status: reply.statusCode, throttled: info.throttled, fault: info.fault,
    });
  });
}

function throttle(reply: FastifyReply, info: RequestInfo, decision: LimitDecision) {
  info.throttled = true;
  const message = throttledMessage(decision.platformRetrySec ?? 60);
  for (const [k, v] of Object.entries(decision.headers)) reply.header(k, v);
  return reply
    .code(429)
    .header('retry-after', String(decision.retryAfterSec ?? 60))
    .send(v1Error(429, message, 'TooManyRequests'));
}

/** Applies an injected fault; true when the request has been answered (or dropped). */
async function applyFault(runtime: SandboxRuntime, request: FastifyRequest, reply: FastifyReply, info: RequestInfo, fault: string): Promise<boolean> {
  switch (fault) {
    case 'reset':
      reply.hijack();
      request.raw.socket.destroy();
      runtime.log.add({ at: new Date().toISOString(), method: request.method, path: request.url, api: info.api, catalog: info.catalog, status: 0, throttled: false, fault });
      infos.delete(request);
      return true;
    case 'hang':
      await new Promise<void>((resolve) => runtime.clock.afterReal(runtime.faults.current.hangMs, resolve));
      if (!request.raw.socket.destroyed) return false;
      reply.hijack();
      return true;
    case '5xx':
      reply.code(500).send(info.api === 'v2' ? v2ServerError(runtime.faults.current.v2ErrorShape, request.url) : v1Error(500, 'Internal server error', 'InternalServerError'));
      return true;
    case '429':
      info.throttled = true;
      reply.code(429).header('retry-after', '1').send(v1Error(429, throttledMessage(60), 'TooManyRequests'));
      return true;
    default:
      truncated.add(request);
      return false;
  }
}

/** The v2 error bodies are not uniform (platforms/printful.md section 7); tests pick one shape. */
function v2ServerError(shape: 'rfc7807' | 'envelope' | 'data', url: string): unknown {
  if (shape === 'envelope') return v1Error(500, 'Internal server error', 'InternalServerError');
  if (shape === 'data') return { data: 'Internal server error', error: { reason: 'InternalServerError', message: 'Internal server error' } };
  return { type: 'https://developers.printful.com/docs/v2-beta/#section/Errors', status: 500, title: 'Internal Server Error', details: 'Something went wrong', instance: url };
}
