// Optional statement profile for the ingest bench (BENCH_PROFILE=1): wraps a Db so every query
// and transaction is timed and grouped by the statement's first words. It sits outside the store,
// so the engine runs unchanged; the wrapper's own overhead is a few microseconds per statement.
import type { Db, Queryable, QueryResult } from '../src/store/db.js';

interface Bucket {
  calls: number;
  ms: number;
}

export interface StatementProfile {
  statement: string;
  calls: number;
  totalMs: number;
  msPerCall: number;
}

export interface DbProfiler {
  db: Db;
  reset(): void;
  /** Statement groups by total time, largest first; "transaction" is BEGIN..COMMIT as a whole. */
  report(): StatementProfile[];
}

// "INSERT INTO products (id, ..." -> "INSERT INTO products"; enough to tell the page's statements apart.
// A statement with data-modifying CTEs is named by the tables it writes ("WITH ... INSERT INTO
// products, links, sync_log"), a script by its ANALYZE.
function keyOf(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const analyze = /^(?:SET [^;]*; )*(ANALYZE\b.*)/i.exec(flat);
  if (analyze) return analyze[1]!.replace(/ ?\([^)]*\)/g, '');
  const words = flat.split(' ');
  const verb = (words[0] ?? '').toUpperCase();
  if (verb === 'WITH') {
    const targets = [...flat.matchAll(/(?<!DO )\b(INSERT INTO|UPDATE) (\w+)/gi)].map((m) => `${m[1]!.toUpperCase()} ${m[2]}`);
    const tables = [...new Set(targets)];
    if (tables.length > 0) return `WITH ... ${tables.join(', ')}`;
  }
  if (verb === 'INSERT') return words.slice(0, 3).join(' ');
  if (verb === 'UPDATE') return words.slice(0, 2).join(' ') + ' SET ' + (words[3] ?? '');
  if (verb === 'SELECT') {
    const from = words.findIndex((w) => w.toUpperCase() === 'FROM');
    return from >= 0 ? `SELECT ... FROM ${words[from + 1] ?? ''}` : words.slice(0, 2).join(' ');
  }
  return words.slice(0, 3).join(' ');
}

export function profileDb(inner: Db): DbProfiler {
  let buckets = new Map<string, Bucket>();
  const add = (key: string, ms: number) => {
    const b = buckets.get(key) ?? { calls: 0, ms: 0 };
    b.calls++;
    b.ms += ms;
    buckets.set(key, b);
  };
  const timedQuery = async <R>(q: Queryable, sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const t = performance.now();
    try {
      return await q.query<R>(sql, params);
    } finally {
      add(keyOf(sql), performance.now() - t);
    }
  };
  const wrapTx = (tx: Queryable): Queryable => ({
    query: (sql, params) => timedQuery(tx, sql, params),
    exec: async (sql) => {
      const t = performance.now();
      try {
        await tx.exec(sql);
      } finally {
        add(keyOf(sql), performance.now() - t);
      }
    },
  });
  const timedTx = async <T>(run: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      add('transaction', performance.now() - t);
    }
  };
  const db: Db = {
    get driver() {
      return inner.driver;
    },
    query: (sql, params) => timedQuery(inner, sql, params),
    exec: (sql) => inner.exec(sql),
    transaction: (fn) => timedTx(() => inner.transaction((tx) => fn(wrapTx(tx)))),
    withTenant: (tenantId, fn) => timedTx(() => inner.withTenant(tenantId, (tx) => fn(wrapTx(tx)))),
    bossOptions: () => inner.bossOptions(),
    close: () => inner.close(),
  };
  return {
    db,
    reset: () => {
      buckets = new Map();
    },
    report: () =>
      [...buckets.entries()]
        .map(([statement, b]) => ({ statement, calls: b.calls, totalMs: Math.round(b.ms), msPerCall: Number((b.ms / b.calls).toFixed(3)) }))
        .sort((a, b) => b.totalMs - a.totalMs),
  };
}
