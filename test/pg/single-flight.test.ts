// Single-flight across processes (PostgreSQL): 50 concurrent triggers from 4 worker processes make
// exactly one active run, the others get that run's id; the source never sees two overlapping
// requests for the stream; when the holder is killed, another worker resumes the run after its
// lease expires, and the hub ends equal to the source.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb, waitFor } from '../helpers/db.js';
import { startTestSource, TEST_SOURCE_TOKEN, type TestSource } from '../helpers/test-source.js';

const CHILD = fileURLToPath(new URL('../engine/fixtures/worker-child.ts', import.meta.url));

interface Worker {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  owner?: string;
}

describe('single-flight across processes (PostgreSQL)', () => {
  let t: TestDb;
  let source: TestSource;
  const workers: Worker[] = [];
  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    await source?.close();
    await t?.cleanup();
  });

  it('50 triggers from 4 processes: one run, 49 answers with its id, no overlap, resumed after the holder dies', async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    source = await startTestSource({ count: 4_000, seed: 5, faults: { slowMs: 15 } });
    const key = generateMasterKey();
    const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'sf'));
    const conn = await t.db.withTenant(tenant.id, (tx) =>
      insertConnection(tx, new SecretBox(parseMasterKey(key)), { tenantId: tenant.id, platform: 'woocommerce', name: 'src', settings: { baseUrl: source.url, pageSize: 50 }, credentials: { token: TEST_SOURCE_TOKEN } }),
    );
    const triggers = [13, 13, 12, 12];
    for (const n of triggers) {
      const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: { ...process.env, CS_DATABASE_URL: t.url!, CS_MASTER_KEY: key, CS_TENANT: tenant.id, CS_CONNECTION: conn.id, CS_TRIGGERS: String(n), CS_LEASE_MS: '1500' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const w: Worker = { proc, lines: [] };
      let buf = '';
      proc.stdout!.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          w.lines.push(line);
          if (line.event === 'ready') w.owner = line.owner;
        }
      });
      workers.push(w);
    }
    await waitFor(() => workers.every((w) => w.owner), 30_000, 'the workers to start');
    for (const w of workers) w.proc.stdin!.write('go\n');
    await waitFor(() => workers.every((w) => w.lines.some((l) => l.event === 'triggered')), 30_000, 'every trigger to answer');

    const results = workers.flatMap((w) => (w.lines.find((l) => l.event === 'triggered')!.results as { created: string | null; active: string | null }[]));
    expect(results).toHaveLength(50);
    const created = results.filter((r) => r.created).map((r) => r.created);
    expect(created).toHaveLength(1);
    const runId = created[0]!;
    expect(results.filter((r) => r.active === runId)).toHaveLength(49);
    const active = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_runs WHERE connection_id = $1`, [conn.id]);
    expect(active.rows[0]!.n).toBe(1);

    // Kill whichever worker holds the run once it is well under way.
    const holder = await waitFor(async () => {
      const { rows } = await t.db.query<{ lease_owner: string | null; page: number }>(
        `SELECT lease_owner, coalesce((progress->>'page')::int, 0) AS page FROM sync_runs WHERE id = $1`, [runId]);
      return rows[0]?.lease_owner && rows[0].page >= 10 ? rows[0].lease_owner : null;
    }, 30_000, 'the run to be under way');
    const victim = workers.find((w) => w.owner === holder)!;
    victim.proc.kill('SIGKILL');

    const final = await waitFor(async () => {
      const { rows } = await t.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sync_runs WHERE id = $1', [runId]);
      return rows[0]?.status === 'succeeded' ? rows[0] : null;
    }, 60_000, 'another worker to resume and finish the run');
    expect(final.attempts).toBeGreaterThanOrEqual(2);

    expect(source.stats().maxConcurrent).toBe(1);
    const { rows } = await t.db.query<{ id: string; name: string }>(
      `SELECT l.external_id AS id, p.name FROM links l JOIN products p ON p.id = l.hub_id WHERE l.connection_id = $1 ORDER BY 1`, [conn.id]);
    expect(rows).toEqual(source.records().map((r) => ({ id: r.id, name: r.name })));
  });
});
