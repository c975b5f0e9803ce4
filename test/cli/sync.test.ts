// `commerce-sync sync` logic against the test source: outcomes map to exit codes, output says what
// happened; and from a real process, a connection without a connector fails clearly.
import { afterEach, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { startQueue } from '../../src/engine/queue.js';
import { runSync, type SyncOutput } from '../../src/cli/commands/sync.js';
import { EXIT, exitCodeFor } from '../../src/cli/output.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';

function capture(): SyncOutput & { lines: string[]; values: unknown[] } {
  const lines: string[] = [];
  const values: unknown[] = [];
  return { lines, values, line: (t) => lines.push(t), json: (v) => values.push(v), bars: null };
}

describe('sync command', () => {
  let h: EngineHarness | undefined;
  let queue: PgBoss | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await h?.close();
    h = queue = undefined;
  });

  it('--wait follows the runs the queue executes and exits 0 on success, 3 when partial, 4 when failed', async () => {
    h = await createEngineHarness({ source: { count: 300, seed: 31 }, settings: { pageSize: 50 } });
    queue = await startQueue(h.db, { error: () => undefined });
    await h.engine.start(queue, { embedded: true, onlyConnection: h.connectionId });
    const ok = capture();
    expect(await runSync(h.engine, 'source', { tenant: 'engine-test', wait: true, full: true }, ok)).toBe(EXIT.ok);
    expect(ok.lines.join('\n')).toMatch(/products: succeeded — 300 read, 300 added/);

    h.source.setFaults({ rateMalformedRecord: 0.05 });
    const partial = capture();
    expect(await runSync(h.engine, h.connectionId, { tenant: h.tenantId, wait: true, full: true, json: true }, partial)).toBe(EXIT.partial);
    const body = partial.values[0] as { runs: { status: string; counts: { deadLetters: number } }[] };
    expect(body.runs[0]!.status).toBe('partial');
    expect(body.runs[0]!.counts.deadLetters).toBeGreaterThan(0);

    h.source.setFaults({ rateMalformedRecord: 0, rate5xx: 1 });
    const failed = capture();
    expect(await runSync(h.engine, 'source', { tenant: 'engine-test', wait: true }, failed)).toBe(EXIT.failed);
    expect(failed.lines.join('\n')).toMatch(/failed .*retry_budget_exhausted/);
  });

  it('exits 5 when the stream is already running, and queues without --wait', async () => {
    h = await createEngineHarness({ source: { count: 100, seed: 32 } });
    const queued = capture();
    expect(await runSync(h.engine, 'source', { tenant: 'engine-test' }, queued)).toBe(EXIT.ok);
    expect(queued.lines[0]).toMatch(/products: queued run [0-9a-f-]{36}/);
    const again = capture();
    expect(await runSync(h.engine, 'source', { tenant: 'engine-test' }, again)).toBe(EXIT.conflict);
    expect(again.lines[0]).toMatch(/already running/);
  });

  it('--wait refuses an engine that takes no jobs: nothing would execute the runs', async () => {
    h = await createEngineHarness({ source: { count: 10, seed: 34 } });
    await expect(runSync(h.engine, 'source', { tenant: 'engine-test', wait: true }, capture())).rejects.toThrow(/needs a started engine/);
  });

  it('rejects an unknown connection or tenant as a usage error', async () => {
    h = await createEngineHarness({ source: { count: 10, seed: 33 } });
    const exitOf = (p: Promise<unknown>) => p.then(() => EXIT.ok, exitCodeFor);
    expect(await exitOf(runSync(h.engine, 'nope', { tenant: 'engine-test' }, capture()))).toBe(EXIT.usage);
    expect(await exitOf(runSync(h.engine, 'source', { tenant: 'nobody' }, capture()))).toBe(EXIT.usage);
    // A bad --deadline is a usage error too, before anything is queued.
    expect(await exitOf(runSync(h.engine, 'source', { tenant: 'engine-test', deadline: 'soon' }, capture()))).toBe(EXIT.usage);
    expect((await h.engine.db.query('SELECT 1 FROM sync_runs')).rows).toEqual([]);
  });
});
