import { printJson } from '../output.js';
import { openOwnRuntime } from '../session.js';
import { latestMigrationVersion } from '../../store/migrate.js';
import { repairConnectionSecrets } from '../../store/repair-ids.js';
import type { GlobalFlags } from '../main.js';

export async function migrateCommand(flags: GlobalFlags, opts: { json?: boolean }): Promise<void> {
  // openRuntime applies pending migrations; report where the schema stands.
  const rt = await openOwnRuntime(flags, '`migrate` needs the database to itself (serve applies migrations when it starts)', { quiet: true });
  try {
    // Secrets written under a non-canonical id are mended here too (it needs the master key, which
    // SQL migrations do not have); reported in the output rather than logged, to keep --json clean.
    const repair = await repairConnectionSecrets(rt.db, rt.box);
    const { rows } = await rt.db.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    const repaired = { reencrypted: repair.reencrypted, needsReauth: repair.needsReauth, ...(repair.skipped ? { skipped: repair.skipped } : {}) };
    const result = { driver: rt.db.driver, schemaVersion: latestMigrationVersion(), migrations: rows, repaired };
    if (opts.json) printJson(result);
    else {
      process.stdout.write(`schema is at version ${result.schemaVersion} (${rt.db.driver}); ${rows.length} migrations applied\n`);
      if (repair.reencrypted.length > 0) process.stdout.write(`re-encrypted the secrets of ${repair.reencrypted.length} connection(s) under their canonical id\n`);
      if (repair.needsReauth.length > 0) process.stdout.write(`${repair.needsReauth.length} connection(s) need their secrets set again: ${repair.needsReauth.join(', ')}\n`);
      if (repair.skipped) process.stdout.write(`connection secrets not checked: ${repair.skipped}\n`);
    }
  } finally {
    await rt.close();
  }
}
