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

  it.each(['same-cursor', 'same-content'] as const)('a source repeating pages (%s) ends with pagination_loop in bounded time', async (mode) => {
    h = await createEngineHarness({ source: { count: 500, seed: 11, faults: { repeatPage: mode } }, settings: { pageSize: 50 } });
    const started = Date.now();
    const run = await h.sync('full');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('pagination_loop');
    expect(h.source.stats().listRequests).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a deadline ends a slow run as timed_out, and the next run continues from its checkpoint', async () => {
    h = await createEngineHarness({ source: { count: 400, seed: 12, faults: { slowMs: 150 } }, settings: { pageSize: 20 } });
    const started = Date.now();
    const first = await h.sync('full', { deadlineMs: 2_000 });
    expect(first.status).toBe('timed_out');
    expect(first.error?.code).toBe('deadline_exceeded');
    expect(Date.now() - started).toBeLessThan(6_000);
    const pagesDone = first.progress.page ?? 0;
    expect(pagesDone).toBeGreaterThan(0);
    expect(pagesDone).toBeLessThan(20);
    expect((await h.hubProducts()).length).toBe(pagesDone * 20);

    h.source.setFaults({ slowMs: 0 });
    h.source.resetStats();
    const second = await h.sync('full');
    expect(second.status).toBe('succeeded');
    // it did not start over: the first request carried the checkpoint's cursor, and only the rest was read
    expect(h.source.log[0]!.query.cursor).toBeTruthy();
    // Each remaining page was read (a page asked again only as a counted retry on a loaded machine).
    // One more request may be counted: the first run's request that the deadline aborted, when the
    // source (in this process) only parses it after resetStats(); it asks for the checkpoint's page.
    const stats = h.source.stats();
    expect(stats.byCursor.size).toBe(20 - pagesDone);
    const expected = 20 - pagesDone + (second.progress.retries ?? 0);
    const lateFromFirstRun = stats.listRequests - expected;
    expect(lateFromFirstRun === 0 || (lateFromFirstRun === 1 && (stats.byCursor.get(String(h.source.log[0]!.query.cursor)) ?? 0) >= 2)).toBe(true);
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
    const until = Date.parse(waiting.rateLimitedUntil!);
    expect(until).toBeGreaterThan(Date.now() - 1_500);
    expect(until).toBeLessThan(Date.now() + 2_000);
    h.source.clearFaults();
    const ended = await execution;
    expect(ended?.status).toBe('succeeded');
    expect(ended?.progress).toMatchObject({ stage: 'done', rateLimitedUntil: null });
  });
});
