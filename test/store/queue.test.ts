// pg-boss runs on both drivers (on PGlite through the store's executeSql adapter).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { startQueue } from '../../src/engine/queue.js';
import { createTestDb, type TestDb, waitFor } from '../helpers/db.js';

describe('job queue', () => {
  let t: TestDb;
  let boss: PgBoss;
  const errors: unknown[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    boss = await startQueue(t.db, { error: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await t?.cleanup();
  });

  it('sends a job and a worker completes it', async () => {
    await boss.createQueue('test-echo');
    const seen: unknown[] = [];
    await boss.work<{ n: number }>('test-echo', { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const j of jobs) seen.push(j.data);
    });
    const id = await boss.send('test-echo', { n: 42 });
    expect(id).toBeTruthy();
    await waitFor(() => seen.length > 0, 15_000, 'the job to be worked');
    expect(seen).toEqual([{ n: 42 }]);
    const job = await waitFor(async () => {
      const j = await boss.getJobById('test-echo', id!);
      return j?.state === 'completed' ? j : null;
    }, 15_000, 'the job to be completed');
    expect(job.state).toBe('completed');
    expect(errors).toEqual([]);
  });
});
