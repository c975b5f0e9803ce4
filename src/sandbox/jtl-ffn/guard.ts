// What every /api/ request goes through before its handler, in the order a real gateway would plausibly
// apply it: slow-service latency, injected failures (failNext, rate5xx), the optional token bucket (429), the
// bearer token (401), the portal-login flag (404, section 1: it is per user, so it needs a valid token first)
// and the scope (403). OAuth and API requests are written to the request log when the answer is sent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus, errorBody, FfnError } from './errors.js';
import type { FfnRuntime } from './runtime.js';
import type { Actor } from './store.js';

interface RequestState {
  at: number;
  query: Record<string, string | string[]>;
  fault: string | null;
  clientId: string | null;
}

export interface Caller {
  actor: Actor;
  scopes: string[];
}

const states = new WeakMap<FastifyRequest, RequestState>();
const callers = new WeakMap<FastifyRequest, Caller>();

const logged = (url: string) => url.startsWith('/api/') || url.startsWith('/oauth/');

/** The authenticated caller of an API request (set by the guard before any handler runs). */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new FfnError(401, 'Unauthorized', 'no authenticated caller');
  return caller;
}

/** Lets the token endpoint name the client in the request log. */
export function noteClient(request: FastifyRequest, clientId: string): void {
  const state = states.get(request);
  if (state) state.clientId = clientId;
}

const needsWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

export function registerGuard(app: FastifyInstance, runtime: FfnRuntime): void {
  app.addHook('onRequest', async (request) => {
    if (!logged(request.url)) return;
    states.set(request, { at: Date.now(), query: { ...(request.query as Record<string, string | string[]>) }, fault: null, clientId: null });
  });

  app.addHook('preHandler', async (request, reply) => {
    const state = states.get(request);
    if (!state || !request.url.startsWith('/api/')) return;
    const latencyMs = runtime.faults.current.latencyMs;
    if (latencyMs > 0) await new Promise<void>((resolve) => runtime.clock.after(latencyMs, resolve));
    const failure = runtime.faults.drawFailure();
    if (failure !== null) {
      state.fault = 'fail';
      return send(reply, failure, 'injected failure');
    }
    const throttle = runtime.faults.throttle();
    if (throttle) {
      reply.headers(throttle.headers);
      if (!throttle.allowed) {
        state.fault = '429';
        return send(reply, 429, 'rate limit exceeded');
      }
    }
    const auth = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!match?.[1]) return unauthorized(reply, 'missing bearer token');
    const check = runtime.tokens.checkAccess(match[1]);
    if (!check.ok) return unauthorized(reply, check.reason === 'expired' ? 'access token expired' : 'access token invalid');
    state.clientId = check.grant.clientId;
    if (!runtime.portalLoggedIn) return send(reply, 404, 'the user has not logged into the fulfillment portal of this environment yet');
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/api/v1/merchant/')) {
      const scope = needsWrite(request.method) ? 'ffn.merchant.write' : 'ffn.merchant.read';
      if (!check.grant.scopes.includes(scope)) return send(reply, 403, `missing scope ${scope}`);
    }
    callers.set(request, { actor: { applicationId: check.grant.clientId, userId: check.grant.userId }, scopes: check.grant.scopes });
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = states.get(request);
    if (!state) return;
    runtime.log.add({
      at: state.at, method: request.method, path: request.url.split('?')[0] ?? '', query: state.query,
      status: reply.statusCode, fault: state.fault, clientId: state.clientId,
    });
    states.delete(request);
  });
}

function send(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send(errorBody(codeForStatus(status), message));
}

function unauthorized(reply: FastifyReply, message: string): FastifyReply {
  reply.header('WWW-Authenticate', `Bearer error="invalid_token", error_description="${message}"`);
  return send(reply, 401, message);
}
