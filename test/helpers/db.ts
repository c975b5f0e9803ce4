// A fresh, migrated database per test file: PGlite in memory by default; with
// COMMERCE_SYNC_TEST_DB=pg, a new database on the PostgreSQL server at TEST_DATABASE_URL
// (dropped afterwards), so the same suites prove both drivers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const usingPostgres = process.env.COMMERCE_SYNC_TEST_DB === 'pg';

export interface TestDb {
  db: Db;
  /** The URL of the test database (PostgreSQL only), for other processes. */
  url?: string;
  cleanup(): Promise<void>;
}

export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  if (!usingPostgres) {
    const db = await openDatabase({ dataDir: ':memory:' });
    if (opts.migrate !== false) await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  const name = `cs_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = '/' + name;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  if (opts.migrate !== false) await migrate(db);
  return {
    db,
    url: url.toString(),
    async cleanup() {
      await db.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Thrown from a waitFor check to stop waiting at once (e.g. the process under test died). */
export class WaitAborted extends Error {}

/** Waits until `check` returns a truthy value, polling; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
