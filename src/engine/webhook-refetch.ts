// Events that name records without carrying them (Printful's catalog_price_changed names products,
// not prices) are applied by re-reading those parents from the platform through the stream's
// fetchGroup, the child pages it declares and the connection's limiter. The reads happen before the
// event's transaction opens: an API call must never hold the database (on PGlite it would stall every
// other query). An event
// naming more than MAX_REFETCH_GROUPS parents, or one whose reads fail, falls back to marking the
// stream stale, so the next DB-first read refreshes it with a full pass: never worse than that.
import type { Stream, WebhookEvent } from '../connectors/types.js';
import { RetryBudget } from '../core/retry-budget.js';
import { readChildPages } from './child-pages.js';
import { buildCtx, type ContextDeps, loadConnectionForSync } from './run-context.js';

export const MAX_REFETCH_GROUPS = 20;

export type Refetched =
  | { ok: true; stream: Stream<unknown, unknown, unknown>; raws: unknown[]; missing: number }
  | { ok: false; reason: string };

/** Re-reads what events name, for one connection; the connection is loaded once, on first need. */
export class GroupRefetcher {
  private loaded: Promise<{ streams: Stream<unknown, unknown, unknown>[]; ctx: ReturnType<typeof buildCtx> }> | null = null;

  constructor(
    private readonly deps: ContextDeps,
    private readonly tenantId: string,
    private readonly connectionId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** null when the event names nothing to re-read. */
  async refetch(ev: WebhookEvent): Promise<Refetched | null> {
    const ids = ev.refetchGroups ?? [];
    if (ids.length === 0) return null;
    if (ids.length > MAX_REFETCH_GROUPS) return { ok: false, reason: `the event names ${ids.length} records (more than ${MAX_REFETCH_GROUPS}): a full pass reads them` };
    try {
      const { streams, ctx } = await (this.loaded ??= this.load());
      const stream = streams.find((s) => s.name === ev.stream);
      if (!stream?.fetchGroup) return { ok: false, reason: `the ${ev.stream} stream cannot re-read single records` };
      const raws: unknown[] = [];
      let missing = 0;
      for (const id of ids) {
        const group = await stream.fetchGroup(ctx, id);
        if (group === null) {
          missing++;
          continue;
        }
        // Nested lists beyond their first page (a product's 2,048 variants) are read by the same loop
        // as a pull's child pages: loop guard, hard cap, this signal, the connection's limiter.
        await readChildPages(ctx, group.children, { signal: this.signal });
        raws.push(group.item);
      }
      return { ok: true, stream, raws, missing };
    } catch (err) {
      return { ok: false, reason: `re-reading ${ids.join(', ')} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async load() {
    const conn = await loadConnectionForSync(this.deps, this.tenantId, this.connectionId);
    const ctx = buildCtx(this.deps, conn, { signal: this.signal, budget: new RetryBudget(), startedAt: new Date() });
    return { streams: conn.connector.streams as Stream<unknown, unknown, unknown>[], ctx };
  }
}
