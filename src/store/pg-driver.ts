// Production driver: node-postgres pool on DATABASE_URL. Any number of processes share the
// database; single-flight, leases and checkpoints live in it.
import pg from 'pg';
import { enterTenantScope, type Db, type Queryable, type QueryResult } from './db.js';

// int8 as a JS number (counts, sequence ids) so both drivers return the same shapes; values stay
// far below 2^53 in this schema.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export async function openPgDatabase(databaseUrl: string, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, types });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, tenantId?: string): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const q = wrapClient(client);
      if (tenantId) await enterTenantScope(q, tenantId);
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  return {
    driver: 'pg',
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await pool.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await transaction((tx) => tx.exec(sql));
    },
    transaction: (fn) => transaction(fn),
    withTenant: (tenantId, fn) => transaction(fn, tenantId),
    bossOptions: () => ({ connectionString: databaseUrl, max: 4 }),
    async close() {
      await pool.end();
    },
  };
}
