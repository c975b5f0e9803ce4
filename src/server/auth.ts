// Bearer API keys for /api/v1. The key's hash is looked up as the owner role (the tenant is not
// known yet); every handler then works inside db.withTenant(request.tenantId, ...).
//
// Failed authentication is braked per client address (@fastify/rate-limit's counters, in this
// process): past the limit an address gets 429 with Retry-After until its window ends. Only failures
// count, so clients with a valid key are never slowed. For API keys the refusal comes before the key is
// looked at, so that guessing past the limit learns nothing; signed deliveries (webhooks, the install
// callback) are always verified first, so a valid delivery is never refused, and only bad signatures
// past the limit are answered 429.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSyncError, SyncError } from '../core/errors.js';
import { InFlight } from '../core/in-flight.js';
import type { Db } from '../store/db.js';
import { findTenantIdByApiKey } from '../store/tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
}

export interface AuthBrakeOptions {
  /** Failed authentications an address may make per window (default 20). */
  maxFailures?: number;
  /** Length of the window in ms (default 60 s). */
  windowMs?: number;
}

export interface AuthBrake {
  /** Refuses an address that has used up its failures. */
  gate(request: FastifyRequest): Promise<void>;
  /** Counts a failed authentication; returns what to answer with (auth_rate_limited past the limit). */
  failed(request: FastifyRequest, err: SyncError): Promise<SyncError>;
}

const DEFAULT_MAX_FAILURES = 20;
const DEFAULT_WINDOW_MS = 60_000;

function limited(ttlMs: number): SyncError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new SyncError('auth_rate_limited', `too many failed authentications from this address; try again in ${seconds} s`, { retryAfterMs: seconds * 1000 });
}

/** Two independent brakes: API keys, and signatures of deliveries (webhooks, install callbacks). */
export async function registerAuthBrakes(app: FastifyInstance, opts: AuthBrakeOptions = {}): Promise<{ apiKeys: AuthBrake; signatures: AuthBrake }> {
  // Not global: nothing is counted unless a failure is reported.
  await app.register(rateLimit, { global: false });
  const make = (): AuthBrake => {
    const counter = app.createRateLimit({ max: opts.maxFailures ?? DEFAULT_MAX_FAILURES, timeWindow: opts.windowMs ?? DEFAULT_WINDOW_MS });
    return {
      async gate(request) {
        const state = await counter(request, { increment: false });
        if (!state.isAllowed && state.remaining === 0) throw limited(state.ttl);
      },
      async failed(request, err) {
        const state = await counter(request);
        return !state.isAllowed && state.isExceeded ? limited(state.ttl) : err;
      },
    };
  };
  return { apiKeys: make(), signatures: make() };
}

/** In a scope of signed deliveries: a refused signature counts as a failed authentication. */
export function brakeSignatureFailures(scope: FastifyInstance, brake: AuthBrake): void {
  // Rethrown errors go on to the parent's error handler, which writes the envelope and Retry-After.
  scope.setErrorHandler(async (error, request) => {
    throw isSyncError(error) && error.code === 'webhook_signature_invalid' ? await brake.failed(request, error) : error;
  });
}

export function bearerAuth(db: Db, brake?: AuthBrake) {
  // A burst of requests with one key looks the key up once (nothing is kept afterwards, so a revoked
  // key stops working at once).
  const lookups = new InFlight<string | null>({ gather: true });
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    await brake?.gate(request);
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const refuse = async (message: string) => {
      const err = new SyncError('unauthorized', message);
      throw brake ? await brake.failed(request, err) : err;
    };
    if (!match) return refuse('missing API key: send Authorization: Bearer <key>');
    const key = match[1]!;
    const tenantId = await lookups.run(key, () => findTenantIdByApiKey(db, key));
    if (!tenantId) return refuse('invalid API key');
    request.tenantId = tenantId;
  };
}
