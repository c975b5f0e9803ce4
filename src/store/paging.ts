// Keyset paging with an opaque cursor: base64url of [created_at, id] of the last row returned.
// Stable under inserts (no skipped or repeated rows, unlike OFFSET).
import { canonicalUuid } from '../core/ids.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Keyset {
  createdAt: string;
  id: string;
}

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.createdAt, k.id]), 'utf8').toString('base64url');
}

/**
 * null for a cursor that was not produced by encodeCursor (the caller answers 400). A cursor is
 * client input: both parts go into SQL as a timestamptz and a uuid, so each must be exactly what
 * encodeCursor writes — Date.parse alone takes forms PostgreSQL refuses ("1", "May 5"), and a loose
 * id pattern took 36 dashes — or the database, not the caller, would be the one to object.
 */
export function decodeCursor(cursor: string): Keyset | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [createdAt, rawId] = v as unknown[];
    if (typeof createdAt !== 'string' || !isCursorTimestamp(createdAt)) return null;
    const id = typeof rawId === 'string' ? canonicalUuid(rawId) : null;
    return id ? { createdAt, id } : null;
  } catch {
    return null;
  }
}

const CURSOR_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

/** The form cursorTimestampSql writes, naming a real instant (no 30 February, no year 0). */
function isCursorTimestamp(s: string): boolean {
  const m = CURSOR_TIMESTAMP.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === sec;
}

/**
 * SQL for the cursor's timestamp with the full microsecond precision of timestamptz: a JS Date keeps
 * only milliseconds, which would repeat rows at a page boundary. Select it `AS cursor_ts`.
 */
export function cursorTimestampSql(column = 'created_at'): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Builds the page from limit+1 fetched rows (each with `cursor_ts`, see cursorTimestampSql). */
export function toPage<R extends { cursor_ts: string; id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(map),
    nextCursor: more && last ? encodeCursor({ createdAt: last.cursor_ts, id: last.id }) : null,
  };
}
