// Runs that must end instead of looping or hanging: the pagination-loop guard, the per-run
// deadline (which keeps the checkpoint for the next run), and cancel.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';
import { waitFor } from '../helpers/db.js';

describe('run guards', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each(['same-cursor', 'same-content'] as const)('a source repeating pages (%s) ends with pagination_loop after at most 3 requests', async (mode) => {
    h = await createEngineHarness({ source: { count: 500, seed: 11, faults: { repeatPage: mode } }, settings: { pageSize: 50 } });
    const run = await h.sync('full');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('pagination_loop');
    // The bound is in requests: a guard that let the loop go on would keep asking for pages.
    expect(h.source.stats().listRequests).toBeLessThanOrEqual(3);
  });

  it('a deadline ends a run whose request hangs as timed_out, and the next run continues from its checkpoint', async () => {
    // After two pages the source holds every request for 60 s, and the client gives up on one after 10 s.
    // A run that ends with exactly one request held was ended by the deadline (4 s), not by the client
    // timing the request out and retrying it.
    h = await createEngineHarness({
      source: { count: 400, seed: 12, faults: { slowMs: 150 } },
      settings: { pageSize: 20 },
      engine: { http: { timeoutMs: 10_000, backoff: { baseMs: 5, capMs: 50 } } },
    });
    // 20 pages of at least 150 ms each: the whole run needs 3 s or more, two pages a tenth of that.
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', force: true, deadlineMs: 4_000 });
    const execution = h.engine.execute(h.tenantId, created[0]!.id);
    const harness = h;
    await waitFor(async () => (await harness.hubProducts()).length >= 40, 10_000, 'two pages to commit');
    h.source.setFaults({ rateHang: 1, hangMs: 60_000 });
    await waitFor(() => harness.source.log.some((e) => e.status === 'hang'), 10_000, 'a request to hang');
    const first = (await execution)!;
    expect(first.status).toBe('timed_out');
    expect(first.error?.code).toBe('deadline_exceeded');
    // The aborted request's socket closes, so the source has seen all the first run sent: one request
    // held, and one answered per committed page.
    await waitFor(() => harness.source.stats().inFlight === 0, 10_000, 'the held request to be dropped');
    const pagesDone = first.progress.page ?? 0;
    expect(h.source.log.filter((e) => e.status === 'hang')).toHaveLength(1);
    expect(h.source.log.filter((e) => e.status === 200)).toHaveLength(pagesDone);
    expect(pagesDone).toBeGreaterThanOrEqual(2);
    expect(pagesDone).toBeLessThan(20);
    expect((await h.hubProducts()).length).toBe(pagesDone * 20);

    h.source.clearFaults();
    h.source.resetStats();
    const second = await h.sync('full');
    expect(second.status).toBe('succeeded');
    // it did not start over: the first request carried the checkpoint's cursor, and only the rest was read,
    // each remaining page once
    expect(h.source.log[0]!.query.cursor).toBeTruthy();
    const stats = h.source.stats();
    expect(second.progress.retries).toBe(0);
    expect(stats.byCursor.size).toBe(20 - pagesDone);
    expect(stats.listRequests).toBe(20 - pagesDone);
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
  });

  it('cancel stops a running run at a page boundary and keeps its checkpoint', async () => {
    h = await createEngineHarness({ source: { count: 400, seed: 13, faults: { slowMs: 100 } }, settings: { pageSize: 20 } });
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', force: true });
    const run = created[0]!;
    const execution = h.engine.execute(h.tenantId, run.id);
    const harness = h;
    await waitFor(async () => (await harness.hubProducts()).length >= 40, 10_000, 'two pages to commit');
    await h.engine.cancel(h.tenantId, run.id);
    const ended = await execution;
    expect(ended?.status).toBe('cancelled');
    const kept = (await h.hubProducts()).length;
    expect(kept % 20).toBe(0);
    h.source.setFaults({ slowMs: 0 });
    expect((await h.sync('full')).status).toBe('succeeded');
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
  });

  it('a run waiting on a 429 says rate_limited and until when, then goes on', async () => {
    h = await createEngineHarness({ source: { count: 100, seed: 14, faults: { rate429: 1, retryAfterSeconds: 1.5 } }, settings: { pageSize: 50 } });
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', force: true });
    const runId = created[0]!.id;
    const execution = h.engine.execute(h.tenantId, runId);
    const harness = h;
    const waiting = await waitFor(async () => {
      const { rows } = await harness.db.query<{ progress: { stage: string; rateLimitedUntil: string | null } }>('SELECT progress FROM sync_runs WHERE id = $1', [runId]);
      return rows[0]?.progress.stage === 'rate_limited' ? rows[0].progress : null;
    }, 10_000, 'the run to report rate_limited');
    const seenAt = Date.now();
    // Retry-After counts from the 429: no earlier than its arrival at the source, no later than now.
    const until = Date.parse(waiting.rateLimitedUntil!);
    const first429 = h.source.log.find((e) => e.status === 429)!;
    expect(until).toBeGreaterThanOrEqual(first429.at + 1_500);
    expect(until).toBeLessThanOrEqual(seenAt + 1_500);
    h.source.clearFaults();
    const ended = await execution;
    expect(ended?.status).toBe('succeeded');
    expect(ended?.progress).toMatchObject({ stage: 'done', rateLimitedUntil: null });
  });
});
