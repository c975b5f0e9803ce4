// Keyset paging with an opaque cursor: base64url of [created_at, id] of the last row returned.
// Stable under inserts (no skipped or repeated rows, unlike OFFSET).

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

/** null for a cursor that was not produced by encodeCursor (the caller answers 400). */
export function decodeCursor(cursor: string): Keyset | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [createdAt, id] = v as unknown[];
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return null;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
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
