// Tenants and their API keys. A key is shown once at creation and stored only as a SHA-256 hash:
// keys are 192 random bits, so a fast hash is enough (no password-style stretching needed).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { canonicalUuid } from '../core/ids.js';
import type { Queryable } from './db.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

const KEY_PREFIX = 'csk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString('base64url');
}

export async function createTenant(db: Queryable, name: string): Promise<{ tenant: Tenant; apiKey: string }> {
  const id = randomUUID();
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    'INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name, created_at',
    [id, name],
  );
  await db.query('INSERT INTO tenant_settings (tenant_id) VALUES ($1)', [id]);
  const apiKey = await createApiKey(db, id, 'default');
  const row = rows[0]!;
  return { tenant: { id: row.id, name: row.name, createdAt: row.created_at }, apiKey };
}

export async function createApiKey(db: Queryable, tenantId: string, name: string): Promise<string> {
  const key = newApiKey();
  await db.query('INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5)', [
    randomUUID(),
    tenantId,
    name,
    key.slice(0, KEY_PREFIX.length + 6),
    hashApiKey(key),
  ]);
  return key;
}

/** The tenant a key belongs to, or null for an unknown or revoked key. */
export async function findTenantIdByApiKey(db: Queryable, key: string): Promise<string | null> {
  const { rows } = await db.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashApiKey(key)],
  );
  return rows[0]?.tenant_id ?? null;
}

export async function findTenant(db: Queryable, idOrName: string): Promise<Tenant | null> {
  const id = canonicalUuid(idOrName);
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    id
      ? 'SELECT id, name, created_at FROM tenants WHERE id = $1'
      : 'SELECT id, name, created_at FROM tenants WHERE name = $1 ORDER BY created_at LIMIT 2',
    [id ?? idOrName],
  );
  if (rows.length !== 1) return null; // unknown, or a name shared by two tenants (ambiguous)
  const r = rows[0]!;
  return { id: r.id, name: r.name, createdAt: r.created_at };
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  const { rows } = await db.query<{ id: string; name: string; created_at: Date }>(
    'SELECT id, name, created_at FROM tenants ORDER BY created_at, id',
  );
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}
