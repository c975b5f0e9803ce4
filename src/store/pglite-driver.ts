// Embedded driver: PGlite (Postgres compiled to WASM) in a data directory. It has a single
// connection, so two rules matter: statements of a transaction must not interleave with other
// callers (PGlite's transaction() holds its mutex, and query/exec wait on the same mutex), and a
// failed multi-statement script must be rolled back before the next statement runs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncError } from '../core/errors.js';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { enterTenantScope, type Db, type Queryable, type QueryResult } from './db.js';

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

/**
 * One process at a time may own a data dir: two PGlite instances on the same files would corrupt
 * them. The lock file holds the owner's pid; a lock whose process is gone (a crash) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'commerce-sync.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new SyncError(
          'conflict',
          `the data dir ${dataDir} is in use by process ${pid} (a running \`commerce-sync serve\`?). Stop it first, or use its API; ` +
            'to share one database between processes, use PostgreSQL (DATABASE_URL).',
        );
      }
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new SyncError('conflict', `could not lock the data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const pg = new PGlite(dataDir);
    await pg.waitReady;
    return wrapPglite(pg, dataDir, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}
