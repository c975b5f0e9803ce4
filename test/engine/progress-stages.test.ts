// The run's progress says what it is doing: a request retried after a transient failure shows
// `retrying` with the reason, and the run goes back to fetching and ends with `done`.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';
import { waitFor } from '../helpers/db.js';

describe('run progress stages', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a request retried after a 5xx shows retrying and why, then the run succeeds', async () => {
    // Every request fails with a 5xx until the faults are cleared; retries wait 300-600 ms each, long
    // enough for the throttled progress write to land while the run is retrying.
    h = await createEngineHarness({
      source: { count: 100, seed: 61, faults: { rate5xx: 1 } },
      settings: { pageSize: 50 },
      engine: { http: { timeoutMs: 1_000, backoff: { baseMs: 300, capMs: 600 } } },
    });
    const { created } = await h.engine.trigger({ tenantId: h.tenantId, connectionId: h.connectionId, mode: 'full', force: true });
    const runId = created[0]!.id;
    const execution = h.engine.execute(h.tenantId, runId);
    const harness = h;
    const retrying = await waitFor(async () => {
      const { rows } = await harness.db.query<{ progress: { stage: string; retries: number; message?: string } }>('SELECT progress FROM sync_runs WHERE id = $1', [runId]);
      return rows[0]?.progress.stage === 'retrying' ? rows[0].progress : null;
    }, 15_000, 'the run to report retrying');
    expect(retrying.retries).toBeGreaterThan(0);
    expect(retrying.message).toMatch(/5\d\d|server|upstream/i);
    h.source.clearFaults();
    const ended = await execution;
    expect(ended?.status).toBe('succeeded');
    expect(ended?.progress).toMatchObject({ stage: 'done' });
  });
});
