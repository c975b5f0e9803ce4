// The queue worker and a caller waiting on the same run (the CLI's --wait, the demo) share one
// execution: the run is never executed twice in one process.
import { afterEach, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { startQueue } from '../../src/engine/queue.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';

describe('engine worker', () => {
  let h: EngineHarness | undefined;
  let queue: PgBoss | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    await queue?.stop({ graceful: false, wait: true });
    await h?.close();
    h = undefined;
    queue = undefined;
  });

  it('a run picked up by the worker and awaited by a caller executes once', async () => {
    h = await createEngineHarness({ source: { count: 600, seed: 51, faults: { slowMs: 10 } }, settings: { pageSize: 50 } });
    queue = await startQueue(h.db, { error: () => undefined });
    await h.engine.start(queue, { embedded: true });
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', trigger: 'api' });
    const [a, b] = await Promise.all([h.engine.execute(h.tenantId, created[0]!.id), h.engine.execute(h.tenantId, created[0]!.id)]);
    expect(a?.status).toBe('succeeded');
    expect(b?.id).toBe(a?.id);
    const refetched = [...h.source.stats().byCursor.values()].filter((n) => n > 1).length;
    expect(refetched).toBe(0);
    const run = (await h.db.query<{ attempts: number; status: string }>('SELECT attempts, status FROM sync_runs WHERE id = $1', [a!.id])).rows[0];
    expect(run).toEqual({ attempts: 1, status: 'succeeded' });
    expect(await h.hubProducts()).toEqual(h.sourceProducts());
  });
});
