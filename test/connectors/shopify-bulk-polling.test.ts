// Bulk-operation polling owned by the engine's page loop (the sandbox's STALL fault keeps an operation
// RUNNING for good): the run's deadline ends it `timed_out` and a cancel ends it `cancelled`, each
// within the poll interval in effect, with the operation's id kept in the checkpoint; and a result URL
// that has expired (403) starts a new operation instead of failing the run.
import { afterEach, describe, expect, it } from 'vitest';
import { bulkPollDelay } from '../../src/connectors/shopify/bulk.js';
import type { RunRow } from '../../src/engine/runs.js';
import { compare, type Harness, shopifyHarness } from '../helpers/shopify.js';
import { waitFor } from '../helpers/db.js';

/** What the engine's own bookkeeping may add after the moment it should stop (commits, finishing the run). */
const MARGIN_MS = 1_000;

interface BulkCursor {
  id: string | null;
  polls: number;
}

async function bulkCheckpoint(h: Harness): Promise<BulkCursor | null> {
  const { rows } = await h.t.db.query<{ cursor: { cursor?: { bulk?: BulkCursor | null } } | null }>(
    `SELECT cursor FROM stream_state WHERE connection_id = $1 AND stream = 'products'`,
    [h.connectionId],
  );
  return rows[0]?.cursor?.cursor?.bulk ?? null;
}

/** Triggers a full pull of products and starts executing it; `ended` resolves with the finished run. */
async function startFullProducts(h: Harness, deadlineMs: number): Promise<{ run: RunRow; ended: Promise<RunRow | null> }> {
  const res = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, streams: ['products'], mode: 'full', trigger: 'cli', force: true, deadlineMs });
  const run = res.created[0]!;
  return { run, ended: h.engine.execute(h.tenantId, run.id) };
}

const statusPolls = (h: Harness) => h.sb.requests().filter((r) => r.operationName === 'Op').length;

describe('Shopify bulk operations polled by the engine', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a bulk operation that never completes ends timed_out at the run deadline', async () => {
    h = await shopifyHarness({ products: 4, variantsPerProduct: 2, locations: 1, seed: 2 }, { timeScale: 200 });
    h.sb.setFaults({ bulkFailure: 'STALL' });
    const { ended } = await startFullProducts(h, 3_000);
    const run = (await ended)!;
    expect(run.status).toBe('timed_out');
    expect(run.error?.code).toBe('deadline_exceeded');

    const bulk = (await bulkCheckpoint(h))!;
    // The operation stays in the checkpoint (the next run polls it instead of starting another), and
    // it was polled repeatedly, each poll a request of its own through the client.
    expect(bulk.id).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
    expect(bulk.polls).toBeGreaterThanOrEqual(3);
    expect(statusPolls(h)).toBe(bulk.polls);
    expect(h.sb.runtime.bulk.list().map((op) => op.status)).toEqual(['RUNNING']);
    // It stopped at the deadline, not a poll interval (or a whole operation) later.
    const overrun = run.finished_at!.getTime() - run.deadline_at!.getTime();
    expect(overrun).toBeGreaterThanOrEqual(-50);
    expect(overrun).toBeLessThanOrEqual(bulkPollDelay(bulk.polls) + MARGIN_MS);
  });

  it('a cancel during bulk polling stops the run cancelled within one poll interval', async () => {
    h = await shopifyHarness({ products: 4, variantsPerProduct: 2, locations: 1, seed: 2 }, { timeScale: 200 });
    h.sb.setFaults({ bulkFailure: 'STALL' });
    const { run, ended } = await startFullProducts(h, 120_000);
    // Polling is under way once the engine has committed a few polls of the operation.
    await waitFor(async () => ((await bulkCheckpoint(h!))?.polls ?? 0) >= 4, 20_000, 'four status polls');
    const cancelAt = Date.now();
    await h.engine.cancel(h.tenantId, run.id);
    const stopped = (await ended)!;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.error?.code).toBe('cancelled');
    expect(stopped.progress.message).toMatch(/bulk operation gid:\/\/shopify\/BulkOperation\/\d+ is RUNNING \(poll \d+\)/);
    const bulk = (await bulkCheckpoint(h))!;
    expect(bulk.id).toMatch(/BulkOperation/);
    // The wait in effect when the cancel came is the one after the last committed poll.
    expect(stopped.finished_at!.getTime() - cancelAt).toBeLessThanOrEqual(bulkPollDelay(bulk.polls) + MARGIN_MS);
    const pollsAfter = statusPolls(h);
    expect(pollsAfter).toBe(bulk.polls); // no poll once cancelled
  });

  it('a result URL that has expired (403) is not a crash: a new operation is started and read', async () => {
    h = await shopifyHarness({ products: 6, variantsPerProduct: 3, locations: 2, seed: 3 }, { timeScale: 200 });
    h.sb.setFaults({ bulkUrlExpired: 1 });
    const { ended } = await startFullProducts(h, 60_000);
    const run = (await ended)!;
    expect([run.status, run.error?.message ?? '']).toEqual(['succeeded', '']);
    expect(h.sb.runtime.bulk.list().map((op) => op.status)).toEqual(['COMPLETED', 'COMPLETED']);
    const c = await compare(h);
    expect(c.hub.variants).toEqual(c.shop.variants);
    expect(c.hub.stock).toEqual(c.shop.stock);
    // A signed URL is no credential problem: the connection stays usable.
    const { rows } = await h.t.db.query<{ status: string }>('SELECT status FROM connections WHERE id = $1', [h.connectionId]);
    expect(rows[0]!.status).toBe('active');
  });
});
