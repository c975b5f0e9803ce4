// Numbered SQL migrations (src/store/migrations/NNN_name.sql), applied in order, each in its own
// transaction, under an advisory lock so several workers starting at once apply each exactly once.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 727_301_001; // arbitrary constant shared by every commerce-sync process

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(dir + file, 'utf8'),
    }));
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

export async function migrate(db: Db, migrations = loadMigrations()): Promise<MigrateResult> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(`${String(m.version).padStart(3, '0')}_${m.name}`);
  }
  const { rows } = await db.query<{ v: number | null }>('SELECT max(version)::int AS v FROM schema_migrations');
  return { applied, current: rows[0]?.v ?? 0 };
}

/** The newest migration version shipped with this build (readiness compares against it). */
export function latestMigrationVersion(migrations = loadMigrations()): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}
