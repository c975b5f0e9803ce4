// Pull runs against the test source: the hub ends equal to the source; only changed rows are
// written; incremental windows lose nothing; deletes happen only after a successful full pass.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';

describe('pull runs', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a full pull makes the hub equal to the source, and a second pull writes nothing', async () => {
    h = await createEngineHarness({ source: { count: 1_000, seed: 1 }, settings: { pageSize: 100 } });
    const first = await h.sync('full');
    expect(first.status).toBe('succeeded');
    expect(first.counts).toMatchObject({ added: 1_000, updated: 0, deadLetters: 0 });
    expect(first.progress).toMatchObject({ page: 10, processed: 1_000, total: 1_000, stage: 'done' });
    expect(await h.hubProducts()).toEqual(h.sourceProducts());

    const logBefore = (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_log')).rows[0]!.n;
    const times = async () =>
      (await h!.db.query<{ changed: Date; pulled: Date }>(`SELECT max(updated_at) AS changed, min(last_pulled_at) AS pulled FROM links WHERE connection_id = $1`, [h!.connectionId])).rows[0]!;
    const before = await times();
    const again = await h.sync('full');
    expect(again.status).toBe('succeeded');
    expect(again.counts).toMatchObject({ added: 0, updated: 0, unchanged: 1_000 });
    const logAfter = (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_log')).rows[0]!.n;
    expect(logAfter).toBe(logBefore);
    // Nothing changed, yet every link records that this pull read it (GET /products lastPulledAt).
    const after = await times();
    expect(after.changed.getTime()).toBe(before.changed.getTime());
    expect(after.pulled.getTime()).toBeGreaterThanOrEqual(again.started_at!.getTime());
  });

  it('incremental pulls pick up edits and inserts, including rows edited during the pull and rows sharing the boundary timestamp', async () => {
    h = await createEngineHarness({ source: { count: 600, seed: 2, sameTimestampEvery: 7 }, settings: { pageSize: 50, overlapMs: 0 } });
    await h.sync('full');
    const source = h.source;
    // Edit records while the next pull is running: after its first page is fetched.
    const ids = source.records().map((r) => r.id);
    let edited = false;
    const interval = setInterval(() => {
      if (!edited && source.stats().listRequests >= 2) {
        edited = true;
        source.update(ids.slice(0, 20));
        source.update(ids.slice(300, 305));
      }
    }, 1);
    source.update(ids.slice(100, 110));
    source.insert(15);
    const inc = await h.sync('incremental');
    clearInterval(interval);
    expect(inc.status).toBe('succeeded');
    const final = await h.sync('incremental');
    expect(final.status).toBe('succeeded');
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
    expect(edited).toBe(true);
  });

  it('records sharing one timestamp across a window boundary are all kept', async () => {
    // Every record has the same timestamp as 49 others: a strict ">" lower bound would lose some.
    h = await createEngineHarness({ source: { count: 500, seed: 3, sameTimestampEvery: 50 }, settings: { pageSize: 30 } });
    await h.sync('incremental');
    const all = h.source.records();
    // New rows at exactly the timestamp the previous window ended on.
    const boundary = Math.max(...all.map((r) => Date.parse(r.updatedAt)));
    h.source.update(all.slice(0, 3).map((r) => r.id), boundary);
    h.source.insert(4, boundary);
    await h.sync('incremental');
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
  });

  it('deletes by mark-and-sweep only after a successful full pass', async () => {
    h = await createEngineHarness({ source: { count: 300, seed: 4 }, settings: { pageSize: 50 } });
    await h.sync('full');
    const gone = h.source.records().slice(10, 15).map((r) => r.id);
    h.source.remove(gone);
    // A failing pass deletes nothing.
    h.source.setFaults({ rate5xx: 1 });
    const failed = await h.sync('full');
    expect(failed.status).toBe('failed');
    expect((await h.hubProducts()).length).toBe(300);
    h.source.clearFaults();
    const ok = await h.sync('full');
    expect(ok.status).toBe('succeeded');
    expect(ok.counts.deleted).toBe(5);
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
  });

  it('an empty listing deletes nothing', async () => {
    h = await createEngineHarness({ source: { count: 100, seed: 5 }, settings: { pageSize: 50 } });
    await h.sync('full');
    h.source.remove(h.source.records().map((r) => r.id));
    const run = await h.sync('full');
    expect(run.status).toBe('succeeded');
    expect(run.progress.message).toMatch(/sweep skipped/);
    expect((await h.hubProducts()).length).toBe(100);
  });
});
