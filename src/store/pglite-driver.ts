// Embedded driver: PGlite (Postgres compiled to WASM) in a data directory. It has a single
// connection, so two rules matter: statements of a transaction must not interleave with other
// callers (PGlite's transaction() holds its mutex, and query/exec wait on the same mutex), and a
// failed multi-statement script must be rolled back before the next statement runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { ensurePrivateDir, isPrivateDir, lockDataDir, tightenEntries, warnIfNotPrivate } from './data-dir.js';
import { enterTenantScope, type Db, type Queryable, type QueryResult } from './db.js';

export { lockDataDir };

function wrapTx(tx: Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await tx.query<R>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await tx.exec(sql);
    },
  };
}

export function wrapPglite(pg: PGlite, label: string, onClose: () => void = () => undefined): Db {
  const db: Db = {
    driver: 'pglite',
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      // A single statement runs in an implicit transaction that Postgres rolls back on error.
      const r = await pg.query<R>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      // Wrapping in transaction() rolls back whatever a failed script left open (an explicit
      // BEGIN inside the script, as pg-boss uses, only produces a harmless warning).
      await pg.transaction(async (tx) => {
        await tx.exec(sql);
      });
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrapTx(tx)));
    },
    withTenant<T>(tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction(async (tx) => {
        const q = wrapTx(tx);
        await enterTenantScope(q, tenantId);
        return fn(q);
      });
    },
    bossOptions() {
      return {
        db: {
          async executeSql(text: string, values?: unknown[]) {
            if (!values || values.length === 0) {
              let last: QueryResult<unknown> = { rows: [], rowCount: 0 };
              await pg.transaction(async (tx) => {
                const results = await tx.exec(text);
                const r = results[results.length - 1];
                last = { rows: r?.rows ?? [], rowCount: r?.affectedRows ?? 0 };
              });
              return last;
            }
            return db.query(text, values);
          },
        },
      };
    },
    async close() {
      if (!pg.closed) await pg.close();
      onClose();
    },
  };
  void label;
  return db;
}

export async function openPgliteDatabase(dataDir: string): Promise<Db> {
  if (dataDir === ':memory:') {
    const pg = new PGlite();
    await pg.waitReady;
    return wrapPglite(pg, dataDir);
  }
  ensurePrivateDir(dataDir);
  const unlock = await lockDataDir(dataDir);
  try {
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    const pg = await withPrivateUmask(async () => {
      const opened = new PGlite(dataDir);
      await opened.waitReady;
      return opened;
    });
    // What PGlite wrote while opening: a new database is ours to make private; in a private directory,
    // so is anything it rewrote with wider modes.
    const isPrivate = isPrivateDir(dataDir);
    if (fresh || isPrivate) tightenEntries(dataDir);
    if (!isPrivate) warnIfNotPrivate(dataDir);
    return wrapPglite(pg, dataDir, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

/** The directories PGlite creates while opening (mkdir honours the umask) come out 0700. */
async function withPrivateUmask<T>(fn: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    // worker threads cannot change the umask; the permissions are tightened afterwards all the same
  }
  try {
    return await fn();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
