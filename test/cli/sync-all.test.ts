// `sync-all -t <tenant>` against the test source: every enabled connection of the tenant is synced,
// followed to its end with progress lines (not a terminal), and the exit code is the worst outcome.
import type PgBoss from 'pg-boss';
import { afterEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { syncAllIn } from '../../src/cli/commands/sync-all.js';
import type { SyncAllResult } from '../../src/cli/ops/runs.js';
import { EXIT } from '../../src/cli/output.js';
import { ContextSession } from '../../src/cli/session.js';
import { startQueue } from '../../src/engine/queue.js';
import { insertConnection, updateConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';
import { TEST_SOURCE_TOKEN } from '../helpers/test-source.js';

function capture(json: boolean) {
  const c = { out: '', err: '' };
  const io: Io = { out: (t) => void (c.out += t), err: (t) => void (c.err += t), json, live: false };
  return Object.assign(c, { io });
}

describe('sync-all command', () => {
  let h: EngineHarness | undefined;
  let queue: PgBoss | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await h?.close();
    h = queue = undefined;
  });

  it('syncs every enabled connection, reports one that cannot sync, skips disabled ones; exit by the worst outcome', async () => {
    h = await createEngineHarness({ source: { count: 240, seed: 41 }, settings: { pageSize: 40 } });
    const { db, box, tenantId } = h;
    const source = h.source.url;
    const add = (tid: string, platform: string, name: string) =>
      db.withTenant(tid, (tx) => insertConnection(tx, box, { tenantId: tid, platform, name, settings: { baseUrl: source, pageSize: 40 }, credentials: { token: TEST_SOURCE_TOKEN } }));
    await add(tenantId, 'woocommerce', 'second');
    await add(tenantId, 'jtl-ffn', 'ffn'); // no connector in this engine: connection_unusable, exit 4
    const off = await add(tenantId, 'woocommerce', 'off');
    await db.withTenant(tenantId, (tx) => updateConnection(tx, box, tenantId, off.id, { status: 'disabled' }));
    queue = await startQueue(db, { error: () => undefined });
    await h.engine.start(queue, { embedded: true });
    const session = new ContextSession({ db, box, engine: h.engine, logger: h.engine.deps.logger });

    const json = capture(true);
    expect(await syncAllIn(session, { tenant: 'engine-test', full: true }, json.io)).toBe(EXIT.failed);
    const res = JSON.parse(json.out) as SyncAllResult;
    expect(res.connections.map((c) => [c.connection, c.runs.map((r) => r.status), c.error?.code ?? null])).toEqual([
      ['source', ['succeeded'], null],
      ['second', ['succeeded'], null],
      ['ffn', [], 'connection_unusable'],
    ]);
    expect(res.connections[0]!.runs[0]!.counts).toMatchObject({ added: 240 });
    expect(res.connections[1]!.runs[0]!.progress.processed).toBe(240);
    expect(res.skipped).toEqual([{ connectionId: off.id, connection: 'off', reason: 'disabled' }]);
    // Progress lines on stderr (not a terminal), one per change of a connection's stream or stage.
    expect(json.err).toMatch(/^ffn: connection_unusable: no connector is available for platform jtl-ffn$/m);
    expect(json.err).toMatch(/^source: succeeded \(240 read\)$/m);
    expect(json.err).toMatch(/^second: succeeded \(240 read\)$/m);
    expect(json.err).toMatch(/^off: skipped \(disabled\)$/m);

    // Another tenant whose connections all work exits 0, with a table by default.
    const { tenant } = await db.transaction((tx) => createTenant(tx, 'fine'));
    await add(tenant.id, 'woocommerce', 'only');
    const table = capture(false);
    expect(await syncAllIn(session, { tenant: 'fine' }, table.io)).toBe(EXIT.ok);
    expect(table.out).toMatch(/^CONNECTION\s+STREAM\s+STATUS\s+READ\s+ADDED\s+UPDATED\s+DELETED\s+DEAD\s+ERROR\nonly\s+products\s+succeeded\s+240\s+240\s+0\s+0\s+0\n$/);
  });

  it('exits 3 when a connection ends partial, and 5 when every stream is already running', async () => {
    h = await createEngineHarness({ source: { count: 100, seed: 42 } });
    const session = new ContextSession({ db: h.db, box: h.box, engine: h.engine, logger: h.engine.deps.logger });
    // No worker: the first sync-all's run stays queued, so a second one finds it active (exit 5).
    const queued = h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, trigger: 'cli' });
    expect((await queued).created).toHaveLength(1);
    const busy = capture(false);
    expect(await syncAllIn(session, { tenant: 'engine-test' }, busy.io)).toBe(EXIT.conflict);
    expect(busy.out).toMatch(/\nsource\s+products\s+already running\s+.*run [0-9a-f-]{36}\n/);

    expect((await h.engine.execute(h.tenantId, (await queued).created[0]!.id))?.status).toBe('succeeded');
    queue = await startQueue(h.db, { error: () => undefined });
    await h.engine.start(queue, { embedded: true });
    h.source.setFaults({ rateMalformedRecord: 0.1 });
    const partial = capture(true);
    expect(await syncAllIn(session, { tenant: 'engine-test', full: true }, partial.io)).toBe(EXIT.partial);
    expect((JSON.parse(partial.out) as SyncAllResult).connections[0]!.runs[0]!.counts.deadLetters).toBeGreaterThan(0);
  });
});
