// Bearer API keys for /api/v1. The key's hash is looked up as the owner role (the tenant is not
// known yet); every handler then works inside db.withTenant(request.tenantId, ...).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SyncError } from '../core/errors.js';
import type { Db } from '../store/db.js';
import { findTenantIdByApiKey } from '../store/tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
}

export function bearerAuth(db: Db) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new SyncError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    }
    const tenantId = await findTenantIdByApiKey(db, match[1]!);
    if (!tenantId) throw new SyncError('unauthorized', 'invalid API key');
    request.tenantId = tenantId;
  };
}
