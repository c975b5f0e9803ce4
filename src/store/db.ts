// The store's one small interface over two drivers: PGlite (embedded, default) and node-postgres.
// Both run the same SQL. Tenant-scoped work goes through withTenant(), which switches to the
// row-level-security role for the transaction and sets app.tenant_id (migration 002).

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  /** One statement, optionally parameterised ($1, $2 ...). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type DriverName = 'pglite' | 'pg';

export interface Db extends Queryable {
  readonly driver: DriverName;
  /** A transaction as the connecting (owner) role: system work that spans tenants. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A transaction restricted by row-level security to one tenant. */
  withTenant<T>(tenantId: string, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** What pg-boss needs to run on this database (DESIGN.md section 4). */
  bossOptions(): { db: { executeSql(text: string, values?: unknown[]): Promise<QueryResult<unknown>> } } | { connectionString: string; max: number };
  close(): Promise<void>;
}

export const APP_ROLE = 'commerce_sync_app';

/**
 * Enter the tenant's row-level-security scope inside an open transaction. One round trip: setting
 * the `role` setting transaction-locally is what SET LOCAL ROLE does, and set_config() lets it
 * travel with the parameterised tenant id (every page transaction of a pull pays this).
 */
export async function enterTenantScope(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', '${APP_ROLE}', true)`, [tenantId]);
}

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
}

export async function openDatabase(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const { openPgDatabase } = await import('./pg-driver.js');
    return openPgDatabase(opts.databaseUrl);
  }
  const { openPgliteDatabase } = await import('./pglite-driver.js');
  return openPgliteDatabase(opts.dataDir);
}
