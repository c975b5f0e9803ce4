// Connections of a tenant. Credentials and webhook secrets are encrypted before they reach SQL
// and are never part of a ConnectionView; only the engine reads them back (loadConnectionSecrets).
import { randomUUID } from 'node:crypto';
import { DEFAULT_SCHEDULES } from '../connectors/configs.js';
import { SyncError } from '../core/errors.js';
import type { Platform } from '../core/records.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Queryable } from './db.js';
import { cursorTimestampSql, type Keyset, type Page, toPage } from './paging.js';

export type ConnectionStatus = 'active' | 'disabled' | 'needs_reauth' | 'error';

/** Scheduled pulls of a connection (periodic reconciliation: webhooks are never the only path). */
export interface SyncSchedule {
  everyMinutes: number;
  mode?: 'full' | 'incremental';
  streams?: string[];
}

/**
 * What the last check of the connection's webhook subscriptions found (engine/webhook-health.ts). A
 * platform that stops delivering (WooCommerce disables a webhook after failed deliveries) says nothing,
 * so this is where an operator sees it happened and what was done about it.
 */
export interface WebhookHealth {
  /** When the last check ran, whether it succeeded or not. */
  checkedAt: string;
  /** The connection's subscriptions the platform listed; null when the check failed. */
  subscriptions: number | null;
  /** Topics the platform had disabled, as found by the last check (before re-enabling them). */
  disabledTopics: string[];
  /** Topics paused at the store: reported, never turned back on. */
  pausedTopics: string[];
  /** Topics the last check found disabled and could not re-enable (why: `error`). */
  unrepairedTopics: string[];
  /** The last time disabled subscriptions were re-enabled; kept by later checks until the next repair. */
  repairedAt: string | null;
  /** What was re-enabled at `repairedAt`. */
  repairedTopics: string[];
  /** The runs of the incremental pull started at `repairedAt` to read what the store did not deliver. */
  catchUpRunIds: string[];
  /** Why the last check, a re-enable or the catch-up pull failed; null when nothing did. */
  error: { code: string; message: string } | null;
}

export interface ConnectionView {
  id: string;
  platform: string;
  name: string;
  settings: Record<string, unknown>;
  status: ConnectionStatus;
  statusReason: string | null;
  schedule: SyncSchedule | null;
  hasCredentials: boolean;
  webhookSecretSet: boolean;
  /** Null until the engine first checked the connection's webhooks (connectors that cannot be checked: always). */
  webhookHealth: WebhookHealth | null;
  createdAt: string;
  updatedAt: string;
}

interface ConnectionRow {
  id: string;
  tenant_id: string;
  platform: string;
  name: string;
  settings: Record<string, unknown>;
  credentials_enc: string;
  webhook_secret_enc: string | null;
  status: ConnectionStatus;
  status_reason: string | null;
  schedule: SyncSchedule | null;
  webhook_health: WebhookHealth | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, tenant_id, platform, name, settings, credentials_enc, webhook_secret_enc, status, status_reason, schedule, webhook_health, created_at, updated_at';

/**
 * The associated data binding a secret to its connection row and field. It names the id in its
 * canonical lower case, whatever spelling a caller used: PostgreSQL matches a uuid in either case,
 * so an id written in upper case once encrypted secrets that no later read could decrypt.
 */
export const connectionAad = (id: string, field: 'credentials' | 'webhook_secret') => `connection:${id.toLowerCase()}:${field}`;
const credentialsAad = (id: string) => connectionAad(id, 'credentials');
const webhookAad = (id: string) => connectionAad(id, 'webhook_secret');

function toView(r: ConnectionRow): ConnectionView {
  return {
    id: r.id,
    platform: r.platform,
    name: r.name,
    settings: r.settings,
    status: r.status,
    statusReason: r.status_reason,
    schedule: r.schedule,
    hasCredentials: r.credentials_enc.length > 0,
    webhookSecretSet: r.webhook_secret_enc !== null,
    webhookHealth: r.webhook_health,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface NewConnection {
  tenantId: string;
  platform: string;
  name: string;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
  webhookSecret?: string | undefined;
  schedule?: SyncSchedule | null | undefined;
}

/** The given schedule; without one (undefined, not null) the platform's default, if it has one. */
function scheduleOf(c: NewConnection): string | null {
  const schedule = c.schedule === undefined ? DEFAULT_SCHEDULES[c.platform as Platform] : c.schedule;
  return schedule ? JSON.stringify(schedule) : null;
}

export async function insertConnection(tx: Queryable, box: SecretBox, c: NewConnection): Promise<ConnectionView> {
  const id = randomUUID();
  const { rows } = await tx.query<ConnectionRow>(
    `INSERT INTO connections (id, tenant_id, platform, name, settings, credentials_enc, webhook_secret_enc, schedule)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [
      id,
      c.tenantId,
      c.platform,
      c.name,
      JSON.stringify(c.settings),
      box.encryptJson(c.credentials, credentialsAad(id)),
      c.webhookSecret ? box.encrypt(c.webhookSecret, webhookAad(id)) : null,
      scheduleOf(c),
    ],
  );
  return toView(rows[0]!);
}

// Every query names the tenant explicitly; row-level security checks it a second time.

export async function getConnection(tx: Queryable, tenantId: string, id: string): Promise<ConnectionView | null> {
  const { rows } = await tx.query<ConnectionRow>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
  ]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function findConnectionByName(tx: Queryable, tenantId: string, name: string): Promise<ConnectionView | null> {
  const { rows } = await tx.query<ConnectionRow>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND name = $2`, [
    tenantId,
    name,
  ]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function listConnections(
  tx: Queryable,
  tenantId: string,
  opts: { limit: number; after?: Keyset | null; platform?: string | undefined },
): Promise<Page<ConnectionView>> {
  const params: unknown[] = [opts.limit + 1, tenantId];
  const where: string[] = ['tenant_id = $2'];
  if (opts.after) {
    params.push(opts.after.createdAt, opts.after.id);
    where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  if (opts.platform) {
    params.push(opts.platform);
    where.push(`platform = $${params.length}`);
  }
  const { rows } = await tx.query<ConnectionRow & { cursor_ts: string }>(
    `SELECT ${COLUMNS}, ${cursorTimestampSql()} AS cursor_ts FROM connections WHERE ${where.join(' AND ')}
     ORDER BY created_at, id LIMIT $1`,
    params,
  );
  return toPage(rows, opts.limit, toView);
}

export interface ConnectionPatch {
  name?: string | undefined;
  settings?: Record<string, unknown> | undefined;
  credentials?: Record<string, unknown> | undefined;
  webhookSecret?: string | null | undefined;
  status?: ConnectionStatus | undefined;
  statusReason?: string | null | undefined;
  schedule?: SyncSchedule | null | undefined;
}

export async function updateConnection(
  tx: Queryable,
  box: SecretBox,
  tenantId: string,
  id: string,
  patch: ConnectionPatch,
): Promise<ConnectionView | null> {
  const sets: string[] = [];
  const params: unknown[] = [id, tenantId];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.settings !== undefined) set('settings', JSON.stringify(patch.settings));
  if (patch.credentials !== undefined) {
    set('credentials_enc', box.encryptJson(patch.credentials, credentialsAad(id)));
    // New credentials (a new authorization): an interrupted or running token refresh no longer concerns
    // them (engine/oauth-tokens.ts); a running one sees the change and keeps the new tokens.
    sets.push('token_refresh_started_at = NULL', 'token_lease_by = NULL', 'token_lease_until = NULL');
  }
  if (patch.webhookSecret !== undefined) {
    set('webhook_secret_enc', patch.webhookSecret === null ? null : box.encrypt(patch.webhookSecret, webhookAad(id)));
  }
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.statusReason !== undefined) set('status_reason', patch.statusReason);
  if (patch.schedule !== undefined) set('schedule', patch.schedule === null ? null : JSON.stringify(patch.schedule));
  sets.push('updated_at = now()');
  const { rows } = await tx.query<ConnectionRow>(
    `UPDATE connections SET ${sets.join(', ')} WHERE id = $1 AND tenant_id = $2 RETURNING ${COLUMNS}`,
    params,
  );
  return rows[0] ? toView(rows[0]) : null;
}

export async function deleteConnection(tx: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM connections WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rowCount > 0;
}

/**
 * Decrypted credentials and webhook secret, for the engine and webhook receivers only. Secrets that
 * do not decrypt (another master key; a row repairConnectionSecrets could not mend) are a
 * `connection_unusable` error that says what to do, not an internal error.
 */
export async function loadConnectionSecrets(
  tx: Queryable,
  box: SecretBox,
  tenantId: string,
  id: string,
): Promise<{ credentials: Record<string, unknown>; webhookSecret: string | null } | null> {
  const { rows } = await tx.query<Pick<ConnectionRow, 'credentials_enc' | 'webhook_secret_enc'>>(
    'SELECT credentials_enc, webhook_secret_enc FROM connections WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const r = rows[0];
  if (!r) return null;
  try {
    return {
      credentials: box.decryptJson<Record<string, unknown>>(r.credentials_enc, credentialsAad(id)),
      webhookSecret: r.webhook_secret_enc ? box.decrypt(r.webhook_secret_enc, webhookAad(id)) : null,
    };
  } catch {
    throw new SyncError(
      'connection_unusable',
      `the stored credentials of connection ${id.toLowerCase()} cannot be decrypted with this server's master key: set them again (PATCH credentials and webhookSecret)`,
    );
  }
}

/** A connection whose webhook check this worker claimed. */
export interface ClaimedWebhookCheck {
  id: string;
  tenantId: string;
  platform: string;
  previous: WebhookHealth | null;
}

/**
 * Claims up to `limit` webhook checks that are due — active connections of `platforms` not checked for
 * `intervalMs`, the longest unchecked first — by stamping them in one statement. Rows another worker is
 * claiming are skipped (SKIP LOCKED) and, once it commits, no longer due: however many workers run the
 * tick, each connection is checked by one of them per interval, by the database's clock. A cross-tenant
 * maintenance query, like the schedule tick's (run as the owner, outside row-level security).
 */
export async function claimWebhookChecks(db: Queryable, platforms: string[], intervalMs: number, limit: number): Promise<ClaimedWebhookCheck[]> {
  if (platforms.length === 0) return [];
  const { rows } = await db.query<{ id: string; tenant_id: string; platform: string; webhook_health: WebhookHealth | null }>(
    `UPDATE connections c SET webhook_checked_at = now()
      WHERE c.id IN (
        SELECT id FROM connections
         WHERE platform = ANY($1::text[]) AND status = 'active'
           AND (webhook_checked_at IS NULL OR webhook_checked_at <= now() - $2::float8 * interval '1 millisecond')
         ORDER BY webhook_checked_at NULLS FIRST, id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
      RETURNING c.id, c.tenant_id, c.platform, c.webhook_health`,
    [platforms, intervalMs, limit],
  );
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, platform: r.platform, previous: r.webhook_health })).sort((a, b) => a.id.localeCompare(b.id));
}

/** Stores what a webhook check found; `updated_at` stays the time of the last edit by a person. */
export async function recordWebhookHealth(tx: Queryable, tenantId: string, id: string, health: WebhookHealth): Promise<void> {
  await tx.query('UPDATE connections SET webhook_health = $3::jsonb WHERE tenant_id = $1 AND id = $2', [tenantId, id, JSON.stringify(health)]);
}
