// What every /wp-json/ request goes through before its handler: slow-store latency, the "host" layer's
// injected faults (WooCommerce itself has no rate limiter, section 4), authentication, the stripped-query
// fault, and the request log written when the answer is sent.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, type AuthMethod } from './auth.js';
import type { RequestFault } from './faults.js';
import type { WooRuntime } from './runtime.js';

interface RequestState {
  at: number;
  query: Record<string, string | string[]>;
  fault: string | null;
  auth: AuthMethod | null;
}

const hostPage = (status: number, text: string) => `<html><head><title>${status} ${text}</title></head><body><center><h1>${status} ${text}</h1></center><hr><center>nginx</center></body></html>`;
const AUTH_PARAMS = /^(consumer_key|consumer_secret|oauth_.*)$/;

export function registerGuard(app: FastifyInstance, runtime: WooRuntime): void {
  const states = new WeakMap<FastifyRequest, RequestState>();
  const api = (request: FastifyRequest) => request.url.startsWith('/wp-json/');

  const log = (request: FastifyRequest, status: number) => {
    const s = states.get(request);
    if (!s) return;
    runtime.log.add({
      at: s.at, method: request.method, path: request.url.split('?')[0] ?? '', query: s.query, status,
      throttled: s.fault === '429' || s.fault === '503', fault: s.fault, auth: s.auth,
    });
    states.delete(request);
  };

  app.addHook('onRequest', async (request) => {
    if (!api(request)) return;
    states.set(request, { at: Date.now(), query: { ...(request.query as Record<string, string | string[]>) }, fault: null, auth: null });
  });

  app.addHook('preHandler', async (request, reply) => {
    const state = states.get(request);
    if (!state) return;
    const latencyMs = runtime.faults.current.latencyMs;
    if (latencyMs > 0) await new Promise<void>((resolve) => runtime.clock.after(latencyMs, resolve));
    // Read after the wait: faults changed meanwhile must be answered whole (a 429 with the Retry-After
    // set together with it), not half from the old settings and half from the new.
    const faults = runtime.faults.current;
    const fault: RequestFault | null = runtime.faults.forRequest();
    state.fault = fault;
    switch (fault) {
      case 'reset':
        log(request, 0);
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      case 'hang':
        await new Promise<void>((resolve) => runtime.clock.afterReal(faults.hangMs, resolve));
        if (request.raw.socket.destroyed) {
          log(request, 0);
          reply.hijack();
          return reply;
        }
        break;
      case '5xx':
        return reply.code(faults.status5xx).type('text/html').send(hostPage(faults.status5xx, 'Internal Server Error'));
      case '429':
        if (faults.retryAfter429 !== null) reply.header('Retry-After', String(faults.retryAfter429));
        return reply.code(429).type('text/html').send(hostPage(429, 'Too Many Requests'));
      case '503':
        if (faults.retryAfter503 !== null) reply.header('Retry-After', String(faults.retryAfter503));
        return reply.code(503).type('text/html').send(hostPage(503, 'Service Temporarily Unavailable'));
      case 'empty':
        return reply.code(200).type('application/json; charset=UTF-8').send('');
      default:
        break;
    }
    state.auth = authenticate(runtime, request).method;
    if (faults.stripQueryString) {
      // The rewrite loses the query after the auth layer saw it: only credentials survive, paging falls back to defaults.
      const q = request.query as Record<string, unknown>;
      (request as { query: unknown }).query = Object.fromEntries(Object.entries(q).filter(([k]) => AUTH_PARAMS.test(k)));
      state.fault ??= 'strip-query';
    } else if (faults.stripQueryParams.length > 0) {
      const q = request.query as Record<string, unknown>;
      const dropped = Object.keys(q).filter((k) => faults.stripQueryParams.includes(k));
      if (dropped.length > 0) {
        (request as { query: unknown }).query = Object.fromEntries(Object.entries(q).filter(([k]) => !dropped.includes(k)));
        state.fault ??= 'strip-query';
      }
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = states.get(request);
    if (state && state.fault === null && reply.getHeader('x-sandbox-fault') === 'page-repeat') state.fault = 'page-repeat';
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => log(request, reply.statusCode));
}
