// stream_state: the checkpoint of a (connection, stream). It holds only the connector's cursor plus
// where the current pass stands — never data — and is written in the same transaction as the page
// it covers, with an optimistic version check so two writers can never interleave.
import { z } from 'zod';
import type { SyncMode } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import type { Queryable } from '../store/db.js';
import type { RunCounts, RunProgress } from './runs.js';

export const CheckpointEnvelope = z.object({
  /** The run that started the current pass; it is the mark-and-sweep generation of a full pass. */
  passId: z.string().nullable(),
  passMode: z.enum(['full', 'incremental']).nullable(),
  /** True once the pass read its last page: a new run starts a new pass. */
  passComplete: z.boolean(),
  /** The connector's own cursor (validated by the stream's cursor schema when used). */
  cursor: z.unknown(),
  /** A sliced stream's slices of this pass (planned when it started) and the one being read. */
  slices: z.object({ list: z.array(z.object({ key: z.string() }).passthrough()).min(1), index: z.number().int().min(0) }).optional(),
});
export type CheckpointEnvelope = z.infer<typeof CheckpointEnvelope>;

export interface Checkpoint {
  envelope: CheckpointEnvelope | null;
  version: number;
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
}

export async function loadCheckpoint(tx: Queryable, tenantId: string, connectionId: string, stream: string): Promise<Checkpoint> {
  const { rows } = await tx.query<{ cursor: unknown; version: number; last_success_at: Date | null; last_attempt_at: Date | null }>(
    'SELECT cursor, version, last_success_at, last_attempt_at FROM stream_state WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3',
    [tenantId, connectionId, stream],
  );
  const row = rows[0];
  if (!row) return { envelope: null, version: 0, lastSuccessAt: null, lastAttemptAt: null };
  const parsed = CheckpointEnvelope.safeParse(row.cursor);
  return {
    envelope: parsed.success ? parsed.data : null,
    version: row.version,
    lastSuccessAt: row.last_success_at,
    lastAttemptAt: row.last_attempt_at,
  };
}

/** What the page transaction also records on the run row (see updateProgress in runs.ts). */
export interface ProgressUpdate {
  owner: string;
  progress: RunProgress;
  counts: RunCounts;
}

const UPSERT_CHECKPOINT = `
  INSERT INTO stream_state (tenant_id, connection_id, stream, cursor, version, last_run_id, updated_at)
  VALUES ($1, $2, $3, $4, 1, $6, now())
  ON CONFLICT (connection_id, stream) DO UPDATE
     SET cursor = EXCLUDED.cursor, version = stream_state.version + 1, last_run_id = EXCLUDED.last_run_id, updated_at = now()
   WHERE stream_state.version = $5
  RETURNING version`;

// The run's progress rides along in the same statement: one round trip less on every page. It is
// the UPDATE of updateProgress (a run whose lease moved on is left alone), and it commits or rolls
// back with the checkpoint, as it did as a statement of its own in the same transaction.
const UPSERT_CHECKPOINT_WITH_PROGRESS = `
  WITH progress AS (
    UPDATE sync_runs SET progress = $8, counts = $9 WHERE id = $6 AND lease_owner = $7)
  ${UPSERT_CHECKPOINT}`;

/**
 * Writes the checkpoint if nobody else did since `expectedVersion`; returns the new version. With
 * `progress`, the run row's progress and counts are written by the same statement.
 */
export async function saveCheckpoint(
  tx: Queryable,
  key: { tenantId: string; connectionId: string; stream: string },
  envelope: CheckpointEnvelope,
  expectedVersion: number,
  runId: string,
  progress?: ProgressUpdate,
): Promise<number> {
  const params: unknown[] = [key.tenantId, key.connectionId, key.stream, JSON.stringify(envelope), expectedVersion, runId];
  if (progress) params.push(progress.owner, JSON.stringify(progress.progress), JSON.stringify(progress.counts));
  const { rows } = await tx.query<{ version: number }>(progress ? UPSERT_CHECKPOINT_WITH_PROGRESS : UPSERT_CHECKPOINT, params);
  if (!rows[0]) {
    throw new SyncError('conflict', `checkpoint of ${key.stream} was written by another worker; this run lost its lease`);
  }
  return rows[0].version;
}

export async function markAttempt(tx: Queryable, key: { tenantId: string; connectionId: string; stream: string }): Promise<void> {
  await tx.query(
    `INSERT INTO stream_state (tenant_id, connection_id, stream, last_attempt_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (connection_id, stream) DO UPDATE SET last_attempt_at = now()`,
    [key.tenantId, key.connectionId, key.stream],
  );
}

export async function markSuccess(tx: Queryable, key: { tenantId: string; connectionId: string; stream: string }): Promise<void> {
  await tx.query('UPDATE stream_state SET last_success_at = now() WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3', [
    key.tenantId,
    key.connectionId,
    key.stream,
  ]);
}

/** Where a new or resumed run starts: the same pass if it is unfinished, else a new one. */
export function startingPoint(
  envelope: CheckpointEnvelope | null,
  runId: string,
  mode: SyncMode,
): { passId: string; cursor: unknown; resumed: boolean; slices?: CheckpointEnvelope['slices'] } {
  if (envelope && !envelope.passComplete && envelope.passId && envelope.passMode === mode) {
    const slices = envelope.slices && envelope.slices.index < envelope.slices.list.length ? envelope.slices : undefined;
    return { passId: envelope.passId, cursor: envelope.cursor, resumed: true, ...(slices ? { slices } : {}) };
  }
  // A new full pass reads everything from the start; a new incremental pass continues from the
  // window the previous pass (full or incremental) left behind.
  return { passId: runId, cursor: mode === 'full' ? null : (envelope?.cursor ?? null), resumed: false };
}
