// Faults from the issue: 10% 5xx, 5% 429 with Retry-After, 2% hangs longer than the timeout, 1%
// connection resets, 0.5% malformed bodies and malformed records. The hub ends exactly equal to the
// source; malformed records are dead letters, the run is partial with their count, and retrying
// them once the fault is gone completes the data.
import { afterEach, describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';

describe('pull under faults', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('converges to the source; malformed records go to dead letters and are recovered by a retry', async () => {
    h = await createEngineHarness({
      source: {
        count: 3_000,
        seed: 42,
        faults: { rate5xx: 0.1, rate429: 0.05, retryAfterSeconds: 0.05, rateHang: 0.02, hangMs: 1_500, rateReset: 0.01, rateMalformedBody: 0.005, rateMalformedRecord: 0.005 },
      },
      settings: { pageSize: 50 },
      engine: { http: { timeoutMs: 300, backoff: { baseMs: 5, capMs: 40 } } },
    });
    const run = await h.sync('full');
    const faults = h.source.stats().faults;
    // every kind of fault really happened
    for (const k of ['5xx', '429', 'hang', 'reset', 'malformedRecord']) expect(faults[k], k).toBeGreaterThan(0);

    const dead = (await h.db.query<{ external_id: string; reason: string }>(`SELECT external_id, reason FROM dead_letters WHERE status = 'open' AND kind = 'record'`)).rows;
    expect(dead.length).toBe(faults.malformedRecord);
    expect(run.status).toBe('partial');
    expect(run.counts.deadLetters).toBe(dead.length);
    expect(run.progress.retries).toBeGreaterThan(0);

    // Everything not dead-lettered is exactly the source's.
    const hub = await h.hubProducts();
    const deadIds = new Set(dead.map((d) => d.external_id));
    expect(hub).toEqual(h.sourceProducts().filter((p) => !deadIds.has(p.id)));

    h.source.clearFaults();
    const retry = await h.engine.retryDeadLetters(h.tenantId);
    expect(retry).toMatchObject({ attempted: dead.length, resolved: dead.length, failed: [] });
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
    const open = (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters WHERE status = 'open'`)).rows[0]!.n;
    expect(open).toBe(0);
  });

  it('a page whose write keeps failing goes to dead letters whole; the run is partial and continues', async () => {
    h = await createEngineHarness({ source: { count: 200, seed: 7 }, settings: { pageSize: 50 }, connector: { poisonSku: 'SKU-r0000060' } });
    const run = await h.sync('full');
    expect(run.status).toBe('partial');
    const pages = (await h.db.query<{ kind: string; payload: { items: unknown[] }; error_code: string }>(`SELECT kind, payload, error_code FROM dead_letters`)).rows;
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ kind: 'page', error_code: 'page_write_failed' });
    expect(pages[0]!.payload.items).toHaveLength(50);
    expect(run.counts.deadLetters).toBe(50);
    // the other three pages are in the hub; the run went on past the bad page
    expect((await h.hubProducts()).length).toBe(150);
    expect(run.progress.page).toBe(4);
  });

  it('a source that keeps failing ends the run failed by the retry budget, after a bounded number of requests', async () => {
    h = await createEngineHarness({ source: { count: 100, seed: 8, faults: { rate5xx: 1 } }, settings: { pageSize: 50 } });
    const run = await h.sync('full');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('retry_budget_exhausted');
    // With no page committed the budget allows maxConsecutive retries: the first request and those, no more.
    const { maxConsecutive } = new RetryBudget();
    expect(run.progress.retries).toBe(maxConsecutive);
    expect(h.source.stats().requests).toBe(maxConsecutive + 1);
  });

  it('refused credentials fail the run at once and mark the connection needs_reauth', async () => {
    h = await createEngineHarness({ source: { count: 10, seed: 9 } });
    await h.db.query(`UPDATE connections SET credentials_enc = $2 WHERE id = $1`, [
      h.connectionId,
      h.box.encryptJson({ token: 'wrong' }, `connection:${h.connectionId}:credentials`),
    ]);
    const run = await h.sync('full');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('upstream_auth');
    expect(h.source.stats().requests).toBe(1);
    const status = (await h.db.query<{ status: string }>('SELECT status FROM connections WHERE id = $1', [h.connectionId])).rows[0]!.status;
    expect(status).toBe('needs_reauth');
  });
});
