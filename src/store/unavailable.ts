// Errors that mean "the database cannot do anything right now", as opposed to "this statement is
// wrong": the server is unreachable, shutting down, out of connections or out of space. Whatever was
// asked was not stored (or, if the connection died during COMMIT, may have been: a retry must be
// idempotent, as webhook deliveries are on their delivery id). The API answers them 503 with
// Retry-After (server/errors.ts), so a platform redelivers a webhook instead of losing it.

/** SQLSTATEs of an unavailable database (PostgreSQL appendix A), from either driver. */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception (cannot connect, connection failure, ...)
    code.startsWith('53') || // insufficient resources: disk full, out of memory, too many connections
    code === '57P01' || // admin_shutdown (pg_terminate_backend, a fast shutdown)
    code === '57P02' || // crash_shutdown
    code === '57P03' // cannot_connect_now (starting up, in recovery)
  );
}

/** Node's errors of a socket that cannot reach the server or lost it, and of a full disk (PGlite). */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOSPC', 'EDQUOT']);

/** Errors node-postgres, pg-pool and PGlite raise without a code. */
const MESSAGES = [
  /^timeout exceeded when trying to connect$/, // pg-pool: no connection free within connectionTimeoutMillis
  /^Connection terminated( unexpectedly| due to connection timeout)?$/, // pg: the server closed the socket
  /^Client has encountered a connection error and is not queryable$/, // pg: a client whose socket failed
  /^PGlite is closed$/, // the embedded database was closed (shutdown)
];

/**
 * True when `err` says the database is unavailable or full rather than that the statement failed.
 * An AggregateError (Node tries each address of a host name) counts when each of its errors does.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (NODE_CODES.has(e.code)) return true;
    // A SQLSTATE (five digits or capitals; EPIPE, also five capitals, is taken above).
    if (/^[0-9A-Z]{5}$/.test(e.code)) return isUnavailableSqlState(e.code);
  }
  if (err instanceof AggregateError && Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every(isDatabaseUnavailable);
  return typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string));
}
