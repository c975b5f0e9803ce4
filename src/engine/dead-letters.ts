// dead_letters: records or pages that could not be mapped or written, kept with their raw payload
// and the reason, so nothing is dropped silently. A retry re-reads the record from the source when
// the stream can (the fault may have been the source's), otherwise re-maps the stored payload.
import type { Queryable } from '../store/db.js';
import { cursorTimestampSql, type Keyset, type Page, toPage } from '../store/paging.js';

export interface NewDeadLetter {
  kind: 'record' | 'page' | 'push' | 'webhook';
  externalId: string | null;
  payload: unknown;
  reason: string;
  errorCode: string;
}

export interface DeadLetterView {
  id: string;
  connectionId: string | null;
  runId: string | null;
  stream: string | null;
  kind: string;
  externalId: string | null;
  payload: unknown;
  reason: string;
  errorCode: string | null;
  attempts: number;
  status: 'open' | 'resolved' | 'discarded';
  createdAt: string;
  resolvedAt: string | null;
}

interface DeadLetterRow {
  id: string;
  tenant_id: string;
  connection_id: string | null;
  run_id: string | null;
  stream: string | null;
  kind: string;
  external_id: string | null;
  payload: unknown;
  reason: string;
  error_code: string | null;
  attempts: number;
  status: DeadLetterView['status'];
  created_at: Date;
  resolved_at: Date | null;
}

export function toDeadLetterView(r: DeadLetterRow): DeadLetterView {
  return {
    id: r.id,
    connectionId: r.connection_id,
    runId: r.run_id,
    stream: r.stream,
    kind: r.kind,
    externalId: r.external_id,
    payload: r.payload,
    reason: r.reason,
    errorCode: r.error_code,
    attempts: r.attempts,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
  };
}

export async function insertDeadLetters(
  tx: Queryable,
  // stream is null for a webhook delivery that named no stream (its body could not be read).
  at: { tenantId: string; connectionId: string; runId: string | null; stream: string | null },
  letters: NewDeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  await tx.query(
    `INSERT INTO dead_letters (tenant_id, connection_id, run_id, stream, kind, external_id, payload, reason, error_code)
     SELECT $1, $2, $3, $4, r.kind, r.external_id, r.payload, r.reason, r.error_code
       FROM jsonb_to_recordset($5::jsonb) AS r(kind text, external_id text, payload jsonb, reason text, error_code text)`,
    [
      at.tenantId,
      at.connectionId,
      at.runId,
      at.stream,
      JSON.stringify(letters.map((l) => ({ kind: l.kind, external_id: l.externalId, payload: l.payload ?? null, reason: l.reason, error_code: l.errorCode }))),
    ],
  );
}

export interface DeadLetterFilter {
  status?: DeadLetterView['status'];
  connectionId?: string;
  runId?: string;
  ids?: string[];
}

export async function listDeadLetters(tx: Queryable, tenantId: string, opts: DeadLetterFilter & { limit: number; after?: Keyset | null }): Promise<Page<DeadLetterView>> {
  const params: unknown[] = [opts.limit + 1, tenantId];
  const where = ['tenant_id = $2'];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (opts.status) add('status = ?', opts.status);
  if (opts.connectionId) add('connection_id = ?', opts.connectionId);
  if (opts.runId) add('run_id = ?', opts.runId);
  if (opts.ids) add('id = ANY(?::uuid[])', opts.ids);
  if (opts.after) {
    params.push(opts.after.createdAt, opts.after.id);
    where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<DeadLetterRow & { cursor_ts: string }>(
    `SELECT *, ${cursorTimestampSql()} AS cursor_ts FROM dead_letters WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $1`,
    params,
  );
  return toPage(rows, opts.limit, toDeadLetterView);
}

export async function markDeadLetter(tx: Queryable, tenantId: string, id: string, outcome: { resolved: true } | { resolved: false; reason: string }): Promise<void> {
  if (outcome.resolved) {
    await tx.query(`UPDATE dead_letters SET status = 'resolved', resolved_at = now(), attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  } else {
    await tx.query(`UPDATE dead_letters SET attempts = attempts + 1, reason = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, outcome.reason]);
  }
}
