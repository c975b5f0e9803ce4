// Scheduled pulls and DB-first staleness refreshes go through single-flight and the throttle.
import { afterEach, describe, expect, it } from 'vitest';
import { runDueSchedules } from '../../src/engine/schedules.js';
import { ensureFresh } from '../../src/engine/staleness.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';

describe('schedules and staleness', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a scheduled connection is triggered when due, and not again within its interval', async () => {
    h = await createEngineHarness({ source: { count: 50, seed: 41 } });
    const none = await runDueSchedules(h.engine);
    expect(none).toEqual([]);
    await h.db.query(`UPDATE connections SET schedule = '{"everyMinutes": 10}' WHERE id = $1`, [h.connectionId]);
    const first = await runDueSchedules(h.engine);
    expect(first).toEqual([{ connection: h.connectionId, created: 1, active: 0, throttled: 0 }]);
    const runs = (await h.db.query<{ id: string; trigger: string }>('SELECT id, trigger FROM sync_runs')).rows;
    expect(runs).toEqual([{ id: expect.any(String), trigger: 'schedule' }]);
    // still queued: the next tick joins it instead of starting another
    expect((await runDueSchedules(h.engine))[0]).toMatchObject({ created: 0 });
    await h.engine.execute(h.tenantId, runs[0]!.id);
    // done, but within its interval: throttled
    expect((await runDueSchedules(h.engine))[0]).toMatchObject({ created: 0, throttled: 1 });
    // a disabled connection is not scheduled
    await h.db.query(`UPDATE connections SET status = 'disabled' WHERE id = $1`, [h.connectionId]);
    expect(await runDueSchedules(h.engine)).toEqual([]);
  });

  it('100 concurrent stale reads start exactly one refresh; fresh data starts none; a failed refresh is not retried within the interval', async () => {
    h = await createEngineHarness({ source: { count: 50, seed: 42 } });
    const req = { tenantId: h.tenantId, connectionId: h.connectionId, stream: 'products', maxAgeMs: 24 * 3600_000 };
    const answers = await Promise.all(Array.from({ length: 100 }, () => ensureFresh(h!.engine, req)));
    const runIds = new Set(answers.map((a) => a.refreshRunId));
    expect(answers.every((a) => a.stale)).toBe(true);
    expect(runIds.size).toBe(1);
    expect((await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs')).rows[0]!.n).toBe(1);
    await h.engine.execute(h.tenantId, [...runIds][0]!);
    expect(await ensureFresh(h.engine, req)).toMatchObject({ stale: false, refreshRunId: null });

    // Stale again (age 0), but the refresh source fails: the lock is released, and within the
    // minimum interval no new run starts.
    h.source.setFaults({ rate5xx: 1 });
    const stale = await ensureFresh(h.engine, { ...req, maxAgeMs: 0 });
    // the previous attempt was moments ago: throttled, no run
    expect(stale).toMatchObject({ stale: true, refreshRunId: null });
    expect(stale.retryAfterMs).toBeGreaterThan(0);
  });
});
