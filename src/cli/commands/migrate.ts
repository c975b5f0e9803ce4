import { printJson } from '../output.js';
import { openRuntime } from '../runtime.js';
import { latestMigrationVersion } from '../../store/migrate.js';
import type { GlobalFlags } from '../main.js';

export async function migrateCommand(flags: GlobalFlags, opts: { json?: boolean }): Promise<void> {
  // openRuntime applies pending migrations; report where the schema stands.
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const { rows } = await rt.db.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    const result = { driver: rt.db.driver, schemaVersion: latestMigrationVersion(), migrations: rows };
    if (opts.json) printJson(result);
    else process.stdout.write(`schema is at version ${result.schemaVersion} (${rt.db.driver}); ${rows.length} migrations applied\n`);
  } finally {
    await rt.close();
  }
}
