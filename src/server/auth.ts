// Bearer API keys for /api/v1. The key's hash is looked up as the owner role (the tenant is not
// known yet); every handler then works inside db.withTenant(request.tenantId, ...).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SyncError } from '../core/errors.js';
import { InFlight } from '../core/in-flight.js';
import type { Db } from '../store/db.js';
import { findTenantIdByApiKey } from '../store/tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
}

export function bearerAuth(db: Db) {
  // A burst of requests with one key looks the key up once (nothing is kept afterwards, so a revoked
  // key stops working at once).
  const lookups = new InFlight<string | null>({ gather: true });
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new SyncError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    }
    const key = match[1]!;
    const tenantId = await lookups.run(key, () => findTenantIdByApiKey(db, key));
    if (!tenantId) throw new SyncError('unauthorized', 'invalid API key');
    request.tenantId = tenantId;
  };
}
