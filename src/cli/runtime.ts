// Opens what every command needs: config, logger, database (migrated), and the secret box.
import { SecretBox } from '../core/secret-box.js';
import { createLogger, type Logger } from '../server/logger.js';
import { type Db, openDatabase } from '../store/db.js';
import { previousMasterKeys, resolveMasterKey } from '../store/master-key.js';
import { migrate } from '../store/migrate.js';
import { type Config, loadConfig } from './config.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  db: Db;
  box: SecretBox;
  close(): Promise<void>;
}

export async function openRuntime(flags: Partial<Record<keyof Config, unknown>> = {}, opts: { quiet?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig(flags);
  // Resolve the key before touching the database: a production start without a key fails fast.
  const key = resolveMasterKey({ envKey: config.masterKey, databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const previous = previousMasterKeys(config.previousMasterKeys);
  // Logs go to stderr: a command's stdout is its output (`--json` must stay parseable), and `serve`
  // and `worker` log there as well, beside what they print.
  const logger = createLogger({ level: opts.quiet ? 'warn' : config.logLevel, format: config.logFormat, fd: 2 });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
  } catch (err) {
    await db.close();
    throw err;
  }
  return { config, logger, db, box: new SecretBox(key, previous), close: () => db.close() };
}
