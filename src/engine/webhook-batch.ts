// Applies a claimed batch of webhook events inside one transaction, in their order, with the outcome
// each event would have had if it were applied alone: an event older than what the link holds is
// ignored, a delete removes the record, an event naming records without data applies what was
// re-read (or marks the stream stale), records that fail validation are dead-lettered.
//
// What makes the batch cheap is writing the records of consecutive events with one applyRecords
// call (a "segment") instead of one call per event. A segment only ever holds one record per key: the
// upserts merge fields a record leaves out (`data || new`), so two versions of one record must be
// written one after the other, never folded into the last. Anything whose result depends on records
// not yet written — a second version of a pending key, a delete, a re-read, a lookup that a pending
// record would answer — writes the segment first.
import type { WebhookEvent, WebhookLookup } from '../connectors/types.js';
import { isRetryableKind, isSyncError } from '../core/errors.js';
import { type CanonicalRecord, type Entity, isInvalidRecord, parseCanonicalRecord, recordKey } from '../core/records.js';
import { storableText } from '../core/storable.js';
import type { Queryable } from '../store/db.js';
import { updateConnection } from '../store/connections.js';
import { type ApplyContext, type ApplyResult, applyRecords } from './apply.js';
import { insertDeadLetters } from './dead-letters.js';
import { addApplied, type AppliedCounts } from './metrics.js';
import { mapPage } from './pull.js';
import type { ContextDeps } from './run-context.js';
import type { Refetched } from './webhook-refetch.js';
import { applyPrivacyEvent, REDACTED_BEFORE_APPLIED } from './privacy.js';
import { PRIVACY_STREAM } from '../core/privacy.js';

/** The connector's mapping of an upsert event to records. */
export type ToRecords = ((e: WebhookEvent, lookup: WebhookLookup) => unknown[] | Promise<unknown[]>) | undefined;
type Logger = ContextDeps['logger'];

export interface EventRow {
  id: string;
  payload: WebhookEvent;
}

export interface Outcome {
  status: 'applied' | 'ignored' | 'failed';
  note?: string;
}

export interface Endpoint {
  tenantId: string;
  connectionId: string;
  platform: string;
}

export const OLDER_THAN_HUB = 'older than what the hub already holds';

export interface BatchResult {
  /** Each event's outcome by webhook_events id. */
  outcomes: Map<string, Outcome>;
  /** Products to push once the batch is committed (ApplyResult: changed, and to re-assert on this platform). */
  pushes: Pick<ApplyResult, 'changedProducts' | 'reassertProducts' | 'outbounds'>;
  /** Records handed to the hub writes, per entity (for the planner statistics). */
  records: Map<Entity, number>;
  /** What the hub writes made of them: added / updated / unchanged per entity (metrics). */
  applied: AppliedCounts;
}

/** Applies `rows` in order. */
export async function applyBatch(
  tx: Queryable,
  deps: Pick<ContextDeps, 'box' | 'logger' | 'registry'>,
  at: Endpoint,
  toRecords: ToRecords,
  rows: EventRow[],
  refetched: ReadonlyMap<string, Refetched | null>,
): Promise<BatchResult> {
  const outcomes = new Map<string, Outcome>();
  const records = new Map<Entity, number>();
  const pushes = { changedProducts: new Set<string>(), reassertProducts: new Set<string>(), outbounds: new Set<string>() };
  const counts: AppliedCounts = new Map();
  // The fields a push to this platform writes: a record that hashes to our last push is its echo.
  const pushedFields = deps.registry.get(at.platform)?.push?.productFields;
  const applyCtx: ApplyContext = { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, origin: at.platform, passId: null, pushedFields };
  const apply = async (records: CanonicalRecord[]) => {
    const applied = await applyRecords(tx, applyCtx, records);
    for (const id of applied.changedProducts) pushes.changedProducts.add(id);
    for (const id of applied.reassertProducts) pushes.reassertProducts.add(id);
    for (const id of applied.outbounds) pushes.outbounds.add(id);
    addApplied(counts, applied.byEntity);
    return applied;
  };
  const segment = new Segment(tx, at, outcomes, records, apply);
  // Events a privacy request of this batch redacted (or, after a shop/redact, all that follow).
  const redacted = new Set<string>();
  let restRedacted = false;
  for (const { id, payload: ev } of rows) {
    const reread = refetched.get(id) ?? null;
    if (restRedacted || redacted.has(id)) {
      outcomes.set(id, { status: 'ignored', note: REDACTED_BEFORE_APPLIED });
    } else if (ev.stream === PRIVACY_STREAM) {
      await segment.write();
      const done = await applyPrivacyEvent(tx, deps, at, id, ev);
      outcomes.set(id, done.outcome);
      if (done.settled === 'rest') restRedacted = true;
      else for (const s of done.settled) redacted.add(s);
    } else if (ev.stream === 'app' && ev.op === 'delete') {
      await segment.write();
      // The merchant uninstalled the app: the token is dead; stop syncing until reconnected.
      await updateConnection(tx, deps.box, at.tenantId, at.connectionId, { status: 'disabled', statusReason: 'the app was uninstalled from the shop' });
      outcomes.set(id, { status: 'applied', note: 'connection disabled' });
    } else if (ev.op === 'delete') {
      await segment.write();
      outcomes.set(id, await deleteByEvent(tx, at, ev));
    } else if (reread?.ok) {
      await segment.write();
      outcomes.set(id, await applyRefetched(tx, at, ev, reread, records, apply));
    } else if (ev.marksStale) {
      // No data to apply: the stream's stored data is out of date, so DB-first reads refresh it next.
      // It touches no record, so the segment may stay open.
      await tx.query('UPDATE stream_state SET last_success_at = NULL WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3', [at.tenantId, at.connectionId, ev.stream]);
      outcomes.set(id, { status: 'applied', note: `${ev.stream} marked stale${reread ? ` (${reread.reason})` : ''}` });
    } else {
      const mapped = await mapEvent(tx, deps.logger, at, toRecords, ev, segment);
      if (!Array.isArray(mapped)) outcomes.set(id, mapped);
      else {
        if (segment.holdsAnyOf(mapped)) await segment.write();
        segment.add(id, mapped);
      }
    }
  }
  await segment.write();
  return { outcomes, records, pushes, applied: counts };
}

function tally(records: Map<Entity, number>, written: CanonicalRecord[]): void {
  for (const r of written) records.set(r.entity, (records.get(r.entity) ?? 0) + 1);
}

/**
 * The valid records of an upsert event (its invalid ones are dead-lettered), or its outcome when it
 * is settled without writing any: nothing valid in it, or its mapping refused it.
 */
async function mapEvent(tx: Queryable, logger: Logger, at: Endpoint, toRecords: ToRecords, ev: WebhookEvent, segment: Segment): Promise<Outcome | CanonicalRecord[]> {
  // Whether a statement of the lookup failed: the transaction is then aborted, whatever the
  // connector makes of the error.
  let statementFailed = false;
  const lookup: WebhookLookup = {
    async externalIdByPlatformId(entity, key, value) {
      try {
        // A pending record carrying this id would be found once written: write it first.
        if (segment.carriesPlatformId(entity, key, value)) await segment.write();
        const { rows } = await tx.query<{ external_id: string }>(
          `SELECT external_id FROM links
            WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND deleted_at IS NULL
              AND platform_ids <> '{}'::jsonb AND platform_ids @> jsonb_build_object($4::text, $5::text)
            LIMIT 1`,
          [at.tenantId, at.connectionId, entity, key, value],
        );
        return rows[0]?.external_id ?? null;
      } catch (err) {
        statementFailed = true;
        throw err;
      }
    },
  };
  let mapped: (CanonicalRecord | { raw: unknown; reason: string })[];
  try {
    mapped = ((await toRecords?.(ev, lookup)) ?? []) as typeof mapped;
  } catch (err) {
    // A mapping that throws on this payload fails the same way every time. When no statement failed,
    // the transaction is intact and only this event is settled; otherwise the batch fails (and is
    // split until the event at fault is alone).
    if (!isPoison(err) || statementFailed) throw err;
    return deadLetterInBatch(tx, logger, at, ev, err);
  }
  const valid: CanonicalRecord[] = [];
  const invalid: { raw: unknown; reason: string }[] = [];
  for (const m of mapped) {
    if (isInvalidRecord(m as CanonicalRecord)) invalid.push(m as { raw: unknown; reason: string });
    else {
      const checked = parseCanonicalRecord(m);
      if (checked.ok) valid.push(checked.record);
      else invalid.push({ raw: m, reason: checked.reason });
    }
  }
  if (invalid.length > 0) {
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: ev.stream }, invalid.map((i) => ({ kind: 'webhook', externalId: ev.externalId || null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })));
  }
  if (valid.length === 0) return { status: invalid.length ? 'failed' : 'ignored', note: invalid[0]?.reason ?? 'no records in the event' };
  return valid;
}

/** The reason and dead letter an event gets when applying it fails the same way every time. */
export function unappliable(ev: WebhookEvent, err: unknown) {
  const reason = `the event cannot be applied: ${messageOf(err)}`;
  return { reason, letter: { kind: 'webhook' as const, externalId: ev.externalId || null, payload: ev, reason, errorCode: isSyncError(err) ? err.code : 'record_invalid' } };
}

async function deadLetterInBatch(tx: Queryable, logger: Logger, at: Endpoint, ev: WebhookEvent, err: unknown): Promise<Outcome> {
  const { reason, letter } = unappliable(ev, err);
  logger.warn({ err, connectionId: at.connectionId, eventId: ev.eventId }, 'webhook event dead-lettered');
  await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: ev.stream }, [letter]);
  return { status: 'failed', note: reason };
}

export const messageOf = (err: unknown) => storableText(err instanceof Error ? err.message : String(err));

/**
 * True for a failure that another attempt with the same event would meet again: a value the database
 * refuses (data exceptions, constraint violations, limits), a mapping that throws on this payload, or
 * an error the catalog says not to retry. Lost connections, deadlocks, a shutting-down database and
 * anything unknown are retried.
 */
export function isPoison(err: unknown): boolean {
  if (isSyncError(err)) return !isRetryableKind(err.kind);
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return true;
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && typeof e.severity === 'string' && /^(22|23|54)/.test(e.code);
}

const keyOf = (r: CanonicalRecord) => `${r.entity}:${recordKey(r)}`;

/** Records of consecutive events, one per key, written together. */
class Segment {
  private readonly events: { id: string; records: CanonicalRecord[] }[] = [];
  private readonly keys = new Set<string>();

  constructor(
    private readonly tx: Queryable,
    private readonly at: Endpoint,
    private readonly outcomes: Map<string, Outcome>,
    private readonly records: Map<Entity, number>,
    private readonly apply: (records: CanonicalRecord[]) => Promise<ApplyResult>,
  ) {}

  holdsAnyOf(records: CanonicalRecord[]): boolean {
    return records.some((r) => this.keys.has(keyOf(r)));
  }

  carriesPlatformId(entity: string, key: string, value: string): boolean {
    return this.events.some((e) => e.records.some((r) => r.entity === entity && (r as { platformIds?: Record<string, string> }).platformIds?.[key] === value));
  }

  /** Callers write the segment first when it holds one of these keys (holdsAnyOf). */
  add(id: string, records: CanonicalRecord[]): void {
    this.events.push({ id, records });
    for (const r of records) this.keys.add(keyOf(r));
  }

  /** Writes what is pending; each event is applied unless all its records are older than the hub's. */
  async write(): Promise<void> {
    if (this.events.length === 0) return;
    const events = this.events.splice(0);
    this.keys.clear();
    const held = await heldTimestamps(this.tx, this.at, events.flatMap((e) => e.records));
    const fresh: CanonicalRecord[] = [];
    for (const e of events) {
      const newer = e.records.filter((r) => notOlderThanHub(held, r));
      this.outcomes.set(e.id, newer.length > 0 ? { status: 'applied' } : { status: 'ignored', note: OLDER_THAN_HUB });
      fresh.push(...newer);
    }
    tally(this.records, fresh);
    if (fresh.length > 0) await this.apply(fresh);
  }
}

/** The remote timestamp each link of these records holds, by entity:key. */
async function heldTimestamps(tx: Queryable, at: Endpoint, records: CanonicalRecord[]): Promise<Map<string, number | null>> {
  const { rows } = await tx.query<{ entity: string; external_id: string; remote_updated_at: Date | null }>(
    `SELECT entity, external_id, remote_updated_at FROM links WHERE tenant_id = $1 AND connection_id = $2 AND external_id = ANY($3::text[])`,
    [at.tenantId, at.connectionId, [...new Set(records.map(recordKey))]],
  );
  return new Map(rows.map((r) => [`${r.entity}:${r.external_id}`, r.remote_updated_at?.getTime() ?? null]));
}

/** False for a record whose remote timestamp is older than the one the hub's link already holds. */
function notOlderThanHub(held: Map<string, number | null>, r: CanonicalRecord): boolean {
  const have = held.get(keyOf(r));
  const incoming = 'remoteUpdatedAt' in r && r.remoteUpdatedAt ? Date.parse(r.remoteUpdatedAt) : null;
  return have === undefined || have === null || incoming === null || incoming >= have;
}

/** What was just re-read is the platform's current state: applied as it is (no timestamp check). */
async function applyRefetched(
  tx: Queryable,
  at: Endpoint,
  ev: WebhookEvent,
  r: Extract<Refetched, { ok: true }>,
  written: Map<Entity, number>,
  apply: (records: CanonicalRecord[]) => Promise<ApplyResult>,
): Promise<Outcome> {
  const { records, invalid } = mapPage(r.stream, r.raws);
  tally(written, records);
  if (invalid.length > 0) {
    await insertDeadLetters(tx, { tenantId: at.tenantId, connectionId: at.connectionId, runId: null, stream: ev.stream }, invalid.map((i) => ({ kind: 'webhook', externalId: i.externalId ?? null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })));
  }
  const applied = await apply(records);
  const gone = r.missing > 0 ? `; ${r.missing} no longer exist (the next full pass removes them)` : '';
  const note = `re-read ${r.raws.length} of ${ev.refetchGroups!.length}: ${applied.added} added, ${applied.updated} updated, ${applied.unchanged} unchanged${gone}`;
  return { status: invalid.length > 0 && records.length === 0 ? 'failed' : 'applied', note };
}

const HUB_TABLE: Record<string, string> = { product: 'products', order: 'orders', customer: 'customers', catalog_item: 'catalog_items' };

/** An explicit delete: the record (and, for a parent id, its SKUs) leaves the hub unless another platform still links it. */
async function deleteByEvent(tx: Queryable, at: Endpoint, ev: WebhookEvent): Promise<Outcome> {
  const { rows } = await tx.query<{ entity: string; hub_id: string }>(
    `UPDATE links SET deleted_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND connection_id = $2 AND deleted_at IS NULL AND (external_id = $3 OR parent_external_id = $3)
      RETURNING entity, hub_id`,
    [at.tenantId, at.connectionId, ev.externalId],
  );
  if (rows.length === 0) return { status: 'ignored', note: 'not in the hub' };
  for (const r of rows) {
    const t = HUB_TABLE[r.entity];
    if (!t) continue;
    await tx.query(
      `UPDATE ${t} h SET deleted_at = now()${t === 'products' ? ', version = h.version + 1' : ''} WHERE h.tenant_id = $1 AND h.id = $2 AND h.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = $1 AND l.hub_id = h.id AND l.deleted_at IS NULL)`,
      [at.tenantId, r.hub_id],
    );
    await tx.query(`INSERT INTO sync_log (tenant_id, entity, hub_id, connection_id, direction, origin, action) VALUES ($1, $2, $3, $4, 'webhook', 'webhook', 'delete')`, [
      at.tenantId,
      r.entity,
      r.hub_id,
      at.connectionId,
    ]);
  }
  return { status: 'applied' };
}
