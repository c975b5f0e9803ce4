// Re-applies open dead letters. A record is re-read from the source when its stream can fetch by id
// (the fault may have been the source's: a malformed response), otherwise its stored payload is
// mapped again (the fault may have been ours, fixed since). A dead letter is resolved only when its
// records are in the hub; a failure keeps it open with the new reason.
import type { Stream } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import { RetryBudget } from '../core/retry-budget.js';
import { applyRecords, queueProductPushes } from './apply.js';
import { type DeadLetterFilter, type DeadLetterView, insertDeadLetters, listDeadLetters, markDeadLetter } from './dead-letters.js';
import { mapPage } from './pull.js';
import { buildCtx, type ContextDeps, loadConnectionForSync } from './run-context.js';

export interface RetryOutcome {
  attempted: number;
  resolved: number;
  failed: { id: string; reason: string }[];
}

export async function retryDeadLetters(deps: ContextDeps, tenantId: string, filter: DeadLetterFilter, opts: { limit?: number; timeoutMs?: number } = {}): Promise<RetryOutcome> {
  const page = await deps.db.withTenant(tenantId, (tx) =>
    listDeadLetters(tx, tenantId, { ...filter, status: 'open', limit: opts.limit ?? 500 }),
  );
  const outcome: RetryOutcome = { attempted: 0, resolved: 0, failed: [] };
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 5 * 60_000);
  const byConnection = new Map<string, DeadLetterView[]>();
  for (const d of page.items) {
    if (!d.connectionId || !d.stream) continue;
    byConnection.set(d.connectionId, [...(byConnection.get(d.connectionId) ?? []), d]);
  }
  for (const [connectionId, letters] of byConnection) {
    let conn;
    try {
      conn = await loadConnectionForSync(deps, tenantId, connectionId);
    } catch (err) {
      for (const d of letters) outcome.failed.push({ id: d.id, reason: (err as Error).message });
      outcome.attempted += letters.length;
      continue;
    }
    const ctx = buildCtx(deps, conn, { signal, budget: new RetryBudget(), startedAt: new Date() });
    for (const d of letters) {
      outcome.attempted++;
      const stream = conn.connector.streams.find((s) => s.name === d.stream) as Stream<unknown, unknown, unknown> | undefined;
      try {
        if (!stream) throw new SyncError('config_invalid', `${conn.platform} has no stream "${d.stream}"`);
        const raws = await rawItems(stream, ctx, d);
        const { records, invalid } = mapPage(stream, raws);
        if (d.kind === 'record' && invalid.length > 0) throw new SyncError('record_invalid', invalid[0]!.reason);
        const applied = await deps.db.withTenant(tenantId, async (tx) => {
          const applied = await applyRecords(tx, { tenantId, connectionId, runId: d.runId, origin: conn.platform, passId: null, pushedFields: conn.connector.push?.productFields }, records);
          if (d.kind === 'record' && applied.rejected.length > 0) throw new SyncError('record_invalid', applied.rejected[0]!.reason);
          // A page dead letter is replaced by record-level ones for whatever is still bad in it.
          await insertDeadLetters(tx, { tenantId, connectionId, runId: d.runId, stream: d.stream! }, [
            ...invalid.map((i) => ({ kind: 'record' as const, externalId: i.externalId ?? null, payload: i.raw, reason: i.reason, errorCode: 'record_invalid' })),
            ...applied.rejected.map((r) => ({ kind: 'record' as const, externalId: null, payload: r.record, reason: r.reason, errorCode: 'record_invalid' })),
          ]);
          await markDeadLetter(tx, tenantId, d.id, { resolved: true });
          return applied;
        });
        await queueProductPushes(deps, tenantId, connectionId, applied);
        outcome.resolved++;
      } catch (err) {
        const reason = (err as Error).message;
        outcome.failed.push({ id: d.id, reason });
        await deps.db.withTenant(tenantId, (tx) => markDeadLetter(tx, tenantId, d.id, { resolved: false, reason }));
      }
    }
  }
  return outcome;
}

async function rawItems(stream: Stream<unknown, unknown, unknown>, ctx: ReturnType<typeof buildCtx>, d: DeadLetterView): Promise<unknown[]> {
  if (d.kind === 'page') {
    const items = (d.payload as { items?: unknown[] } | null)?.items;
    if (!Array.isArray(items)) throw new SyncError('record_invalid', 'page dead letter has no items');
    return items;
  }
  if (stream.fetchRecord && d.externalId) {
    const fresh = await stream.fetchRecord(ctx, d.externalId);
    if (fresh === null) throw new SyncError('not_found', `record ${d.externalId} no longer exists at the source`);
    return [fresh];
  }
  return [d.payload];
}
