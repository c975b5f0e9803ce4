// eMAG acknowledgements (autoAcknowledge) as platform writes of the orders stream: a page names its new
// orders, the engine stores those writes with the page and sends `order/acknowledge/{id}` only after the
// page committed, once per order however often the order is read, and records a refusal as a failed
// write with eMAG's reason instead of failing the run.
import { afterEach, describe, expect, it } from 'vitest';
import { emagConnector } from '../../src/connectors/emag/index.js';
import type { EmagConfig } from '../../src/connectors/emag/config-merged.js';
import { ACKNOWLEDGE, type OrdersCursor, ordersStream } from '../../src/connectors/emag/streams.js';
import type { Connector, PullWriteHandler } from '../../src/connectors/types.js';
import { SyncError } from '../../src/core/errors.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { Engine } from '../../src/engine/engine.js';
import { processPullWrites } from '../../src/engine/pull-writes.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { buildCtx, loadConnectionForSync } from '../../src/engine/run-context.js';
import type { RunRow } from '../../src/engine/runs.js';
import { createEmagHarness, type EmagHarness, pullWritesSettled } from '../helpers/emag.js';

type OrdersStream = typeof ordersStream;

/** The eMAG connector with its orders stream changed by `patch` (to watch or disturb it). */
function withOrders(patch: (s: OrdersStream) => Partial<OrdersStream>): Connector<EmagConfig> {
  return { ...emagConnector, streams: emagConnector.streams.map((s) => (s.name === 'orders' ? { ...s, ...patch(s as OrdersStream) } : s)) };
}

const realAcknowledge = ordersStream.writes![ACKNOWLEDGE]!;
const ackedIds = (h: EmagHarness) =>
  h.sb.requests().filter((r) => r.route === 'order/acknowledge').map((r) => Number(/acknowledge\/(\d+)/.exec(r.path)![1]));
const newOrderIds = (h: EmagHarness, account = 'main') => h.sb.orders(account).filter((o) => o.status === 1).map((o) => o.id as number);

interface WriteRow {
  key: string;
  status: string;
  attempts: number;
  error_code: string | null;
  last_error: string | null;
}
async function writesOf(h: EmagHarness, account = 'main'): Promise<WriteRow[]> {
  const { rows } = await h.t.db.query<WriteRow>(
    `SELECT key, status, attempts, error_code, last_error FROM pull_writes WHERE connection_id = $1 AND kind = $2 ORDER BY key::bigint`,
    [h.connections[account], ACKNOWLEDGE],
  );
  return rows;
}

/** Another engine on the harness's database whose committed pages' writes nobody performs (a worker that died after committing). */
function engineWithoutWrites(h: EmagHarness, connector: Connector<EmagConfig> = emagConnector): Engine {
  return new Engine({ ...h.engine.deps, registry: connectorRegistry([connector]), onPullWrites: () => undefined });
}

async function runOrders(engine: Engine, h: EmagHarness, account = 'main'): Promise<RunRow> {
  const { created } = await engine.trigger({ tenantId: h.tenantId, connectionId: h.connections[account]!, streams: ['orders'], mode: 'full', trigger: 'cli', force: true });
  return (await engine.execute(h.tenantId, created[0]!.id))!;
}

describe('eMAG acknowledgements are platform writes after the page commits', () => {
  let h: EmagHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('fetchPage names the new orders of its page as writes and sends no acknowledgement', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ account: 'main', orders: 150, newShare: 0.3, seed: 7 });
    const conn = await loadConnectionForSync(h.engine.deps, h.tenantId, h.connections.main!);
    const ctx = buildCtx(h.engine.deps, conn, { signal: AbortSignal.timeout(20_000), budget: new RetryBudget(), startedAt: new Date() });
    const page = await ordersStream.fetchPage(ctx as Parameters<OrdersStream['fetchPage']>[0], null, 'full', { slice: { key: 'all' }, index: 0, count: 1 });
    const onPage = page.items.filter((z) => z.order.status === 1).map((z) => String(z.order.id));
    expect(onPage.length).toBeGreaterThan(10);
    expect(page.writes?.map((w) => w.key).sort()).toEqual(onPage.sort());
    expect(page.writes?.every((w) => w.kind === ACKNOWLEDGE)).toBe(true);
    expect(ackedIds(h)).toEqual([]);
    // The cursor carries nothing to acknowledge any more.
    expect(JSON.stringify(page.next)).not.toMatch(/pending|ackOnly/);
  });

  it('each acknowledgement goes out after its page was read and committed: the hub holds the order and the checkpoint is past its page', async () => {
    const pageOf = new Map<number, number>();
    const seen: { id: number; page: number; committedThrough: number; inHub: boolean }[] = [];
    const harness: { h?: EmagHarness } = {};
    const watched = withOrders((s) => ({
      async fetchPage(ctx, cursor, mode, slice) {
        const readPage = (cursor?.page as { next?: number } | null)?.next ?? 1;
        const result = await s.fetchPage(ctx, cursor, mode, slice);
        for (const w of result.writes ?? []) pageOf.set(Number(w.key), readPage);
        return result;
      },
      writes: {
        [ACKNOWLEDGE]: async (ctx, payload) => {
          const { t, connections } = harness.h!;
          const id = (payload as { id: number }).id;
          const state = (await t.db.query<{ cursor: { passComplete: boolean; cursor: OrdersCursor } }>(`SELECT cursor FROM stream_state WHERE connection_id = $1 AND stream = 'orders'`, [connections.main])).rows[0]!.cursor;
          const page = state.cursor.page as { next: number } | null;
          const linked = await t.db.query(`SELECT 1 FROM links WHERE connection_id = $1 AND entity = 'order' AND external_id = $2`, [connections.main, String(id)]);
          seen.push({ id, page: pageOf.get(id)!, committedThrough: state.passComplete || !page ? Infinity : page.next - 1, inHub: linked.rows.length === 1 });
          await realAcknowledge(ctx, payload);
        },
      },
    }));
    h = harness.h = await createEmagHarness({ settings: { autoAcknowledge: true }, engine: { registry: connectorRegistry([watched]) } });
    h.sb.seed({ account: 'main', orders: 450, newShare: 0.2, seed: 11 });
    const expected = newOrderIds(h);
    const [, run] = await h.sync('main', { mode: 'full' });
    expect(run!.status).toBe('succeeded');
    await pullWritesSettled(h, 'main');
    expect(seen.map((s) => s.id).sort()).toEqual([...expected].sort());
    // The first pass reads forward page by page (no date filter): five pages of 100.
    expect(new Set(seen.map((s) => s.page)).size).toBe(5);
    for (const s of seen) {
      expect(s.inHub, `order ${s.id} is in the hub when acknowledged`).toBe(true);
      expect(s.committedThrough, `the checkpoint of page ${s.page} is committed when order ${s.id} is acknowledged`).toBeGreaterThanOrEqual(s.page);
    }
    // And in the sandbox's own log: every acknowledgement arrived after the read of its order's page.
    const log = h.sb.requests();
    const readAt = new Map(log.filter((r) => r.route === 'order/read').map((r) => [r.page, r.at]));
    const acks = log.filter((r) => r.route === 'order/acknowledge');
    expect(acks).toHaveLength(expected.length);
    for (const a of acks) expect(a.at).toBeGreaterThanOrEqual(readAt.get(pageOf.get(Number(/acknowledge\/(\d+)/.exec(a.path)![1]))!)!);
    expect(h.sb.orders('main').filter((o) => o.status === 1)).toEqual([]);
  });

  it('orders read again while their acknowledgements are still pending are acknowledged once', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ account: 'main', orders: 250, newShare: 0.3, seed: 5 });
    const expected = newOrderIds(h).sort((a, b) => a - b);
    // A worker commits every page, with its writes, and dies before performing them.
    const dead = engineWithoutWrites(h);
    expect((await runOrders(dead, h)).status).toBe('succeeded');
    expect((await writesOf(h)).map((w) => [Number(w.key), w.status])).toEqual(expected.map((id) => [id, 'pending']));
    expect(ackedIds(h)).toEqual([]);
    // The pages are read again (a new pass; the orders are still new): the same writes are asked for again.
    expect((await runOrders(h.engine, h)).status).toBe('succeeded');
    await pullWritesSettled(h, 'main');
    const acked = ackedIds(h);
    expect(acked).toHaveLength(expected.length);
    expect([...acked].sort((a, b) => a - b)).toEqual(expected);
    expect((await writesOf(h)).map((w) => [Number(w.key), w.status, w.attempts])).toEqual(expected.map((id) => [id, 'done', 1]));
    expect(newOrderIds(h)).toEqual([]);
  });

  it('an acknowledgement eMAG refuses (the buyer cancelled after the read) is recorded failed with the reason; the run succeeds', async () => {
    const harness: { h?: EmagHarness; target?: number } = {};
    const cancelling = withOrders((s) => ({
      async fetchPage(ctx, cursor, mode, slice) {
        const result = await s.fetchPage(ctx, cursor, mode, slice);
        // The buyer cancels right after our read: eMAG allows that only before acknowledgement.
        if (result.items.some((z) => z.order.id === harness.target)) harness.h!.sb.editOrder('main', harness.target!, { status: 0 });
        return result;
      },
    }));
    h = harness.h = await createEmagHarness({ settings: { autoAcknowledge: true }, engine: { registry: connectorRegistry([cancelling]) } });
    h.sb.seed({ account: 'main', orders: 200, newShare: 0.2, seed: 13 });
    const expected = newOrderIds(h);
    harness.target = expected[3]!;
    const [, run] = await h.sync('main', { mode: 'full' });
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(run!.counts.deadLetters).toBe(0);
    await pullWritesSettled(h, 'main');
    const rows = await writesOf(h);
    expect(rows).toHaveLength(expected.length);
    const refused = rows.find((r) => r.key === String(harness.target))!;
    expect(refused).toMatchObject({ status: 'failed', attempts: 1, error_code: 'upstream_rejected' });
    expect(refused.last_error).toMatch(/canceled and cannot be acknowledged/);
    expect(rows.filter((r) => r.key !== String(harness.target)).every((r) => r.status === 'done')).toBe(true);
    // A refusal is an answer, not a fault: asked once, not retried.
    expect(ackedIds(h).filter((id) => id === harness.target)).toHaveLength(1);
    expect(newOrderIds(h)).toEqual([]);
  });

  it('retries a failing acknowledgement with backoff up to a bound; one that ran out of attempts is asked for again by a later page, a refused one is not', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ account: 'main', orders: 120, newShare: 0.3, seed: 17 });
    const [flaky, down, refusing] = newOrderIds(h);
    const calls = new Map<number, number>();
    const handler: PullWriteHandler<EmagConfig> = async (ctx, payload) => {
      const id = (payload as { id: number }).id;
      const n = (calls.get(id) ?? 0) + 1;
      calls.set(id, n);
      if ((id === flaky && n <= 2) || id === down) throw new SyncError('upstream_transient', `eMAG answered 503 (call ${n})`);
      if (id === refusing) throw new SyncError('upstream_rejected', 'eMAG order/acknowledge failed: not now');
      await realAcknowledge(ctx, payload);
    };
    const engine = engineWithoutWrites(h, withOrders(() => ({ writes: { [ACKNOWLEDGE]: handler } })));
    expect((await runOrders(engine, h)).status).toBe('succeeded');
    const summary = await processPullWrites(engine.deps, h.tenantId, h.connections.main!, { maxAttempts: 3, backoff: { baseMs: 5, capMs: 20 } });
    const byKey = new Map((await writesOf(h)).map((r) => [Number(r.key), r]));
    expect(byKey.get(flaky!)).toMatchObject({ status: 'done', attempts: 3, error_code: null });
    expect(byKey.get(down!)).toMatchObject({ status: 'failed', attempts: 3, error_code: 'upstream_transient', last_error: 'eMAG answered 503 (call 3)' });
    expect(byKey.get(refusing!)).toMatchObject({ status: 'failed', attempts: 1, error_code: 'upstream_rejected' });
    expect(calls.get(down!)).toBe(3);
    expect(summary).toMatchObject({ failed: 2, retried: 4, done: byKey.size - 2 });
    // Both orders are still new on eMAG, so the next pass asks again: the one that only ran out of
    // attempts is pending once more, the refused one keeps its answer.
    expect((await runOrders(engine, h)).status).toBe('succeeded');
    const again = new Map((await writesOf(h)).map((r) => [Number(r.key), r]));
    expect(again.get(down!)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(again.get(refusing!)).toMatchObject({ status: 'failed', error_code: 'upstream_rejected' });
    expect(again.get(flaky!)).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('a run resumed from a checkpoint written before the upgrade acknowledges the ids it still carried', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ account: 'main', orders: 50, newShare: 0.3, seed: 19 });
    const carried = newOrderIds(h).slice(0, 2);
    // The old cursor after the last page of a pass: only its acknowledgements were left (`ackOnly`).
    const old = { since: null, until: new Date().toISOString(), maxSeen: null, page: { mode: 'all', from: null, to: null, next: 2, pending: carried, ackOnly: true } };
    expect(ordersStream.cursor.safeParse(old).success).toBe(true);
    await h.t.db.query(
      `INSERT INTO stream_state (tenant_id, connection_id, stream, cursor) VALUES ($1, $2, 'orders', $3)
       ON CONFLICT (connection_id, stream) DO UPDATE SET cursor = EXCLUDED.cursor`,
      [h.tenantId, h.connections.main, JSON.stringify({ passId: '00000000-0000-4000-8000-000000000001', passMode: 'incremental', passComplete: false, cursor: old })],
    );
    const [run] = await h.sync('main', { streams: ['orders'] });
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    await pullWritesSettled(h, 'main');
    expect(ackedIds(h).sort()).toEqual([...carried].sort());
    expect(h.sb.requests().filter((r) => r.route === 'order/read')).toEqual([]);
    expect((await writesOf(h)).map((w) => w.status)).toEqual(['done', 'done']);
  });

  it('both accounts synced at once with autoAcknowledge (the emag-parallel bench path) acknowledge every new order', async () => {
    h = await createEmagHarness({ settings: { autoAcknowledge: true } });
    h.sb.seed({ orders: 400, offers: 50, newShare: 0.1, linesPerOrder: 3, seed: 42 });
    const expected = { main: newOrderIds(h, 'main').length, fbe: newOrderIds(h, 'fbe').length };
    expect(expected.main).toBeGreaterThan(20);
    const runs = await Promise.all(['main', 'fbe'].map((a) => runOrders(h!.engine, h!, a)));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    await Promise.all(['main', 'fbe'].map((a) => pullWritesSettled(h!, a)));
    for (const a of ['main', 'fbe'] as const) {
      expect(newOrderIds(h, a)).toEqual([]);
      expect(h.sb.requests().filter((r) => r.route === 'order/acknowledge' && r.account === a)).toHaveLength(expected[a]);
    }
  });
});
