// The eMAG connector against the eMAG sandbox: offers and orders of the main and FBE accounts reach the
// hub with their lines tied to the offers, new orders are acknowledged when asked to, incremental runs
// page through one-month windows, and a repeating page stops the run.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { createEmagHarness, type EmagHarness, pullWritesSettled } from '../helpers/emag.js';

const DAY = 86_400_000;

/** eMAG timestamps have whole seconds, so a window ends at the last full second before the run started:
 * changes of the current second belong to the next run. Tests that expect a change at once let it pass. */
async function nextSecond(): Promise<void> {
  const next = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await waitFor(() => Date.now() >= next, 2_000, 'the next second');
}

describe('eMAG connector against the sandbox', () => {
  let h: EmagHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('syncs offers and orders of both accounts; order lines match the offers by seller SKU', async () => {
    h = await createEmagHarness();
    h.sb.seed({ orders: 450, offers: 60, linesPerOrder: 3, seed: 3 });
    for (const account of ['main', 'fbe']) {
      const runs = await h.sync(account, { mode: 'full' });
      expect(runs.map((r) => [r.stream, r.status, r.error?.message ?? ''])).toEqual([['offers', 'succeeded', ''], ['orders', 'succeeded', '']]);
      const hub = await h.hubOrders(account);
      expect(hub.map(({ matched: _m, ...o }) => o)).toEqual(h.sandboxOrders(account));
      expect(hub.every((o) => o.matched === o.lines)).toBe(true);
      // About a fifth of the seeded orders carry vouchers, so the totals compared above include them.
      expect(h.sb.orders(account).filter((o) => (o.vouchers as unknown[]).length > 0).length).toBeGreaterThan(45);
    }
    // Each login only sees its own order type: FBE orders are type 2 and were asked for as such.
    const fbeTypes = await h.t.db.query<{ f: string }>(`SELECT DISTINCT o.fulfillment_status AS f FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1`, [h.connections.fbe]);
    expect(fbeTypes.rows).toEqual([{ f: 'fulfilled_by_emag' }]);
    const offers = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM links WHERE connection_id = $1 AND entity = 'product'`, [h.connections.main]);
    expect(offers.rows[0]!.n).toBe(60);
  });

  it('acknowledges new orders after they are committed, when autoAcknowledge is on', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ account: 'main', orders: 250, newShare: 0.3, seed: 5 });
    const before = h.sb.orders('main').filter((o) => o.status === 1).length;
    expect(before).toBeGreaterThan(30);
    const [, orders] = await h.sync('main', { mode: 'full' });
    expect(orders!.status).toBe('succeeded');
    // Acknowledgements are their own job after each page's commit: the run may end before they do.
    await pullWritesSettled(h, 'main');
    expect(h.sb.orders('main').filter((o) => o.status === 1)).toEqual([]);
    const acks = h.sb.requests().filter((r) => r.route === 'order/acknowledge');
    expect(acks).toHaveLength(before);
    expect(acks.every((r) => r.status === 200)).toBe(true);
    // The next run sees the acknowledged orders (their `modified` moved) and the hub catches up.
    await nextSecond();
    await h.sync('main', { streams: ['orders'] });
    expect((await h.hubOrders('main')).map(({ matched: _m, ...o }) => o)).toEqual(h.sandboxOrders('main'));
  });

  it('an incremental run after a long pause reads one-month windows and picks up marketplace edits', async () => {
    h = await createEmagHarness();
    h.sb.seed({ account: 'main', orders: 300, spanDays: 40, baseTime: Date.now() - 75 * DAY, newShare: 0.2, seed: 8 });
    await h.sync('main', { mode: 'full' });
    const orders = h.sb.orders('main');
    const inProgress = orders.find((o) => o.status === 2)!;
    h.sb.editOrder('main', inProgress.id as number, { status: 3 });
    const placed = h.sb.placeOrder('main', { vouchers: [{ value: '10.00' }] });
    h.sb.clearRequests();
    await nextSecond();
    const [run] = await h.sync('main', { streams: ['orders'] });
    expect(run!.status).toBe('succeeded');
    const counts = h.sb.requests().filter((r) => r.route === 'order/count');
    // ~75 days since the last change: three sub-windows, each accepted by the one-month rule, declared
    // as the stream's slices and read one after another (one count per slice).
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts.every((r) => r.status === 200)).toBe(true);
    const slices = (run!.progress as { slice?: { index: number; count: number; key: string } }).slice!;
    expect(slices.count).toBe(counts.length);
    expect(slices.index).toBe(slices.count - 1);
    expect(slices.key).toMatch(/^\d{4}-\d\d-\d\dT.*\.\.\d{4}-/);
    const hub = await h.hubOrders('main');
    expect(hub.find((o) => o.id === String(inProgress.id))?.status).toBe('prepared');
    expect(hub.find((o) => o.id === String(placed.id))?.status).toBe('new');
    // The buyer's 10.00 voucher comes off what they pay, and the hub keeps it as the order's discount.
    const truth = h.sb.orderTotals('main').find((t) => t.id === placed.id)!;
    expect(truth.vouchers).toBe('10.00');
    expect(hub.find((o) => o.id === String(placed.id))?.total).toBe(truth.total);
    const stored = await h.t.db.query<{ discount: string }>(
      `SELECT o.data->'totals'->>'discount' AS discount FROM links l JOIN orders o ON o.id = l.hub_id WHERE l.connection_id = $1 AND l.external_id = $2`,
      [h.connections.main, String(placed.id)],
    );
    expect(stored.rows).toEqual([{ discount: '10.00' }]);
    expect(hub.map(({ matched: _m, ...o }) => o)).toEqual(h.sandboxOrders('main'));
  });

  it('the page-repeat fault ends the run as pagination_loop within a few pages', async () => {
    h = await createEmagHarness();
    h.sb.seed({ account: 'fbe', orders: 2_000, seed: 4 });
    await h.sync('fbe', { streams: ['offers'] });
    h.sb.setFaults({ pageRepeat: true, accounts: ['fbe'] });
    const [run] = await h.sync('fbe', { mode: 'full', streams: ['orders'] });
    expect(run!.status).toBe('failed');
    expect(run!.error?.code).toBe('pagination_loop');
    expect(run!.error?.message).toMatch(/already returned/);
    expect(run!.progress.page).toBeLessThanOrEqual(3);
    expect(h.sb.requests().filter((r) => r.route === 'order/read').length).toBeLessThanOrEqual(4);
  });

  it('a run whose worker dies mid-way is resumed from its checkpoint by another worker; the hub equals the sandbox', async () => {
    h = await createEmagHarness({ engine: { leaseMs: 1_000 } });
    h.sb.seed({ account: 'main', orders: 3_000, seed: 21 });
    await h.sync('main', { streams: ['offers'] });
    h.sb.setFaults({ latencyMs: 400 });
    h.sb.clearRequests();
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connections.main!, streams: ['orders'], mode: 'full', trigger: 'cli', force: true });
    const runId = created[0]!.id;
    const first = h.engine.execute(h.tenantId, runId);
    const pageOf = async () => (await h!.t.db.query<{ page: number }>(`SELECT (progress->>'page')::int AS page FROM sync_runs WHERE id = $1`, [runId])).rows[0]?.page ?? 0;
    await waitFor(async () => (await pageOf()) >= 5, 20_000, 'five committed pages');
    // The worker goes away without finishing the run: the run stays running, its lease runs out.
    await h.engine.stop();
    expect(await first).toBeNull();
    const killedAt = await pageOf();
    expect(killedAt).toBeLessThan(30);
    h.sb.clearFaults();
    const other = h.newEngine();
    try {
      const resumed = await other.execute(h.tenantId, runId);
      expect(resumed).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      await other.stop();
    }
    const pages = h.sb.requests().filter((r) => r.route === 'order/read').map((r) => r.page);
    // Every page was read, and at most the one in flight at the crash twice.
    expect(new Set(pages).size).toBe(31);
    expect(pages.length - new Set(pages).size).toBeLessThanOrEqual(1);
    expect((await h.hubOrders('main')).map(({ matched: _m, ...o }) => o)).toEqual(h.sandboxOrders('main'));
  });
});
