// Access tokens that expire and refresh tokens that are single-use (JTL-FFN, platforms/jtl-ffn.md 1 and 8).
// Every refresh returns a new refresh token and spends the old one: two processes refreshing with the same
// token lock the connection out, and a new token that is received but not stored is lost for good.
//
// The lifecycle (docs/connectors/jtl-ffn.md, "Tokens"):
// 1. A request needs an access token: the one in this process's cache, else the one stored in the
//    connection's encrypted credentials, while it has more than a minute left.
// 2. Otherwise one refresh, single-flight: within a process one promise per connection; across processes
//    a lease on the connection row, taken with SELECT ... FOR UPDATE. Whoever finds the lease held waits
//    for it to end and then reads the tokens its holder stored. No transaction is held while the refresh
//    request is in flight (on PGlite that would stall every other writer).
// 3. The lease is committed together with token_refresh_started_at, then the refresh is sent (no retry: a
//    retried refresh could spend the same token twice). The answer is stored, encrypted, in one
//    transaction that replaces the spent refresh token and clears the marker, before the new access token
//    is used or handed out.
// 4. A process killed between the answer and that transaction leaves the marker set. The lease runs out;
//    the next refresh tries the stored (probably spent) token once: the platform refuses it with
//    invalid_grant and the connection is marked needs_reauth with a message saying that a refresh was
//    interrupted and the connection must be authorized again. Nothing is retried in a loop.
// 5. A refusal of the refresh token (invalid_grant, a missing token) marks the connection needs_reauth.
import { randomUUID } from 'node:crypto';
import { createHttpClient } from '../connectors/http.js';
import { abortableSleep, Limiter } from '../connectors/limiter.js';
import type { OAuthRefresh } from '../connectors/types.js';
import { SyncError, isSyncError } from '../core/errors.js';
import { ConcurrencyCap } from '../core/rate-limit.js';
import { RetryBudget } from '../core/retry-budget.js';
import { connectionAad } from '../store/connections.js';
import type { ContextDeps, LoadedConnection } from './run-context.js';

/** An access token with less than this left is refreshed before use. */
export const ACCESS_TOKEN_MARGIN_MS = 60_000;
/** The refresh request's timeout; the lease outlives it by far, so a live holder never loses its lease. */
export const REFRESH_TIMEOUT_MS = 15_000;
export const REFRESH_LEASE_MS = 60_000;
/** How often a process waiting for another's refresh looks again, and for how long at most. */
const WAIT_POLL_MS = 50;
const WAIT_MAX_MS = REFRESH_LEASE_MS + 5_000;

const NO_REFRESH_TOKEN = 'the connection has no refresh token: complete the OAuth authorization (authorization-code grant) and store its refresh token in the credentials';

/** This process's name in the lease column. */
const PROCESS_ID = `${process.pid}:${randomUUID().slice(0, 8)}`;

interface Cached {
  token: string;
  expiresAt: number;
}
const cache = new Map<string, Cached>();
const inFlight = new Map<string, Promise<Cached>>();

interface Stored {
  credentials: Record<string, unknown>;
  leaseBy: string | null;
  leaseActive: boolean;
  startedAt: string | null;
}

export interface TokenSourceOptions {
  deps: Pick<ContextDeps, 'db' | 'box' | 'outbound' | 'logger'>;
  conn: Pick<LoadedConnection, 'tenantId' | 'id' | 'config'>;
  oauth: OAuthRefresh<unknown>;
  signal: AbortSignal;
}

/** Headers for the next request; `rejected` is the token a 401 refused (it is then refreshed). */
export async function accessTokenHeaders(opts: TokenSourceOptions, rejected?: string): Promise<{ token: string; headers: Record<string, string> }> {
  const token = await accessToken(opts, rejected);
  return { token, headers: opts.oauth.headers(token) };
}

export async function accessToken(opts: TokenSourceOptions, rejected?: string): Promise<string> {
  const key = `${opts.conn.tenantId}:${opts.conn.id}`;
  const cached = cache.get(key);
  if (cached && cached.token !== rejected && cached.expiresAt - ACCESS_TOKEN_MARGIN_MS > Date.now()) return cached.token;
  let flight = inFlight.get(key);
  if (!flight) {
    flight = obtain(opts, rejected).finally(() => inFlight.delete(key));
    inFlight.set(key, flight);
  }
  const got = await flight;
  cache.set(key, got);
  return got.token;
}

/** Forgets this process's cached tokens (tests; a connection's credentials replaced). */
export function clearTokenCache(): void {
  cache.clear();
}

const usable = (c: Record<string, unknown>, rejected: string | undefined): Cached | null => {
  const token = typeof c.accessToken === 'string' ? c.accessToken : null;
  const expiresAt = typeof c.accessTokenExpiresAt === 'string' ? Date.parse(c.accessTokenExpiresAt) : NaN;
  if (!token || token === rejected || !Number.isFinite(expiresAt) || expiresAt - ACCESS_TOKEN_MARGIN_MS <= Date.now()) return null;
  return { token, expiresAt };
};

async function obtain(opts: TokenSourceOptions, rejected: string | undefined): Promise<Cached> {
  const { db } = opts.deps;
  const { tenantId, id } = opts.conn;
  const waitUntil = Date.now() + WAIT_MAX_MS;
  for (;;) {
    // Take the lease, or find the tokens another process stored, or find the lease held and wait.
    const step = await db.withTenant(tenantId, async (tx) => {
      const stored = await readLocked(opts, tx);
      const ready = usable(stored.credentials, rejected);
      if (ready) return { kind: 'ready', ready } as const;
      if (stored.leaseActive && stored.leaseBy !== PROCESS_ID) return { kind: 'wait' } as const;
      const refreshToken = typeof stored.credentials.refreshToken === 'string' ? stored.credentials.refreshToken : '';
      if (refreshToken === '') {
        await markNeedsReauth(opts, tx, NO_REFRESH_TOKEN);
        return { kind: 'refused' } as const;
      }
      await tx.query(
        `UPDATE connections SET token_lease_by = $3, token_lease_until = now() + $4::float8 * interval '1 millisecond', token_refresh_started_at = now()
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, PROCESS_ID, REFRESH_LEASE_MS],
      );
      return { kind: 'refresh', refreshToken, interruptedAt: stored.startedAt } as const;
    });
    if (step.kind === 'ready') return step.ready;
    if (step.kind === 'refused') throw new SyncError('upstream_auth', NO_REFRESH_TOKEN);
    if (step.kind === 'wait') {
      if (Date.now() > waitUntil) throw new SyncError('upstream_transient', 'another process has been refreshing the access token for too long');
      await abortableSleep(WAIT_POLL_MS, opts.signal);
      continue;
    }
    return refresh(opts, step.refreshToken, step.interruptedAt);
  }
}

async function readLocked(opts: TokenSourceOptions, tx: Parameters<Parameters<TokenSourceOptions['deps']['db']['withTenant']>[1]>[0]): Promise<Stored> {
  const { rows } = await tx.query<{ credentials_enc: string; token_lease_by: string | null; lease_active: boolean; started: string | null }>(
    `SELECT credentials_enc, token_lease_by, coalesce(token_lease_until > now(), false) AS lease_active, token_refresh_started_at::text AS started
       FROM connections WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [opts.conn.tenantId, opts.conn.id],
  );
  const row = rows[0];
  if (!row) throw new SyncError('not_found', `connection ${opts.conn.id} not found`);
  let credentials: Record<string, unknown>;
  try {
    credentials = opts.deps.box.decryptJson<Record<string, unknown>>(row.credentials_enc, connectionAad(opts.conn.id, 'credentials'));
  } catch {
    throw new SyncError('connection_unusable', `the stored credentials of connection ${opts.conn.id} cannot be decrypted with this server's master key: set them again`);
  }
  return { credentials, leaseBy: row.token_lease_by, leaseActive: row.lease_active, startedAt: row.started };
}

type Tx = Parameters<Parameters<TokenSourceOptions['deps']['db']['withTenant']>[1]>[0];

async function markNeedsReauth(opts: TokenSourceOptions, tx: Tx, reason: string): Promise<void> {
  await tx.query(
    `UPDATE connections SET status = 'needs_reauth', status_reason = $3, token_lease_by = NULL, token_lease_until = NULL, updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
    [opts.conn.tenantId, opts.conn.id, reason],
  );
}

/** The refresh request: one attempt, no retry (a retried refresh could spend one token twice). */
async function refresh(opts: TokenSourceOptions, refreshToken: string, interruptedAt: string | null): Promise<Cached> {
  const { deps, conn, oauth } = opts;
  const http = createHttpClient({
    baseUrl: oauth.tokenUrl(conn.config),
    limiter: new Limiter(new ConcurrencyCap({ max: 1 })),
    timeoutMs: REFRESH_TIMEOUT_MS,
    outbound: deps.outbound,
    signal: opts.signal,
    budget: new RetryBudget({ base: 0, maxConsecutive: 0, perProgress: 0 }),
  });
  let grant;
  try {
    const res = await http.request(oauth.refreshRequest(conn.config, refreshToken));
    grant = oauth.parseGrant(res.body);
  } catch (err) {
    if (isSyncError(err) && refusedGrant(err)) {
      const reason = interruptedAt
        ? `the platform refused the refresh token (invalid_grant): a refresh started at ${interruptedAt} was interrupted before its new token was stored, so the stored one was already spent; authorize the connection again`
        : 'the platform refused the refresh token (invalid_grant: revoked, expired or already used); authorize the connection again';
      await deps.db.withTenant(conn.tenantId, (tx) => markNeedsReauth(opts, tx, reason));
      deps.logger.warn({ connectionId: conn.id }, 'refresh token refused; connection needs re-authorization');
      throw new SyncError('upstream_auth', reason, { cause: err });
    }
    // The outcome is unknown (a timeout may have reached the platform): the lease is released, the
    // marker stays, and the next refresh tries the same token once more.
    await deps.db.withTenant(conn.tenantId, (tx) =>
      tx.query('UPDATE connections SET token_lease_by = NULL, token_lease_until = NULL WHERE tenant_id = $1 AND id = $2 AND token_lease_by = $3', [conn.tenantId, conn.id, PROCESS_ID]),
    );
    throw err;
  }
  const expiresAt = Date.now() + grant.expiresInSec * 1000;
  const stored = await deps.db.withTenant(conn.tenantId, async (tx) => {
    const now = await readLocked(opts, tx);
    if (now.credentials.refreshToken !== refreshToken) {
      // Someone stored other credentials meanwhile (an operator's new authorization): theirs win, and the
      // lease and marker of this refresh go, so that a refusal of theirs is not blamed on it.
      await tx.query(
        `UPDATE connections SET token_lease_by = NULL, token_lease_until = NULL, token_refresh_started_at = NULL
          WHERE tenant_id = $1 AND id = $2 AND token_lease_by = $3`,
        [conn.tenantId, conn.id, PROCESS_ID],
      );
      return usable(now.credentials, undefined);
    }
    const credentials = { ...now.credentials, refreshToken: grant.refreshToken, accessToken: grant.accessToken, accessTokenExpiresAt: new Date(expiresAt).toISOString() };
    await tx.query(
      `UPDATE connections SET credentials_enc = $3, token_lease_by = NULL, token_lease_until = NULL, token_refresh_started_at = NULL,
              token_refreshed_at = now(), token_refreshes = token_refreshes + 1
        WHERE tenant_id = $1 AND id = $2`,
      [conn.tenantId, conn.id, deps.box.encryptJson(credentials, connectionAad(conn.id, 'credentials'))],
    );
    return { token: grant.accessToken, expiresAt };
  });
  if (!stored) throw new SyncError('upstream_auth', 'the connection was authorized again while its token was refreshed; retry');
  return stored;
}

/** invalid_grant, in the RFC 6749 shape (400) or as JTL's server answers it (401). */
function refusedGrant(err: SyncError): boolean {
  const details = err.details as { status?: number; body?: string } | undefined;
  if (details?.status !== 400 && details?.status !== 401) return false;
  return /invalid_grant/.test(details.body ?? '');
}
