// Where the master key comes from: COMMERCE_SYNC_MASTER_KEY, or — embedded mode only — a key file
// generated on first run in the data dir with mode 0600. With DATABASE_URL (production) a key
// must be given explicitly: a generated key on one machine would lock out every other worker.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMasterKey, parseMasterKey } from '../core/secret-box.js';
import { SyncError } from '../core/errors.js';

export const MASTER_KEY_FILE = 'master.key';

export function resolveMasterKey(opts: { envKey?: string | undefined; databaseUrl?: string | undefined; dataDir: string }): Buffer {
  if (opts.envKey) {
    try {
      return parseMasterKey(opts.envKey);
    } catch (err) {
      throw new SyncError('master_key_missing', (err as Error).message);
    }
  }
  if (opts.databaseUrl) {
    throw new SyncError(
      'master_key_missing',
      'COMMERCE_SYNC_MASTER_KEY is required when DATABASE_URL is set (32 bytes, hex or base64; generate one with `openssl rand -base64 32`).',
    );
  }
  const file = join(opts.dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) return parseMasterKey(readFileSync(file, 'utf8'));
  mkdirSync(opts.dataDir, { recursive: true });
  try {
    writeFileSync(file, generateMasterKey() + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseMasterKey(readFileSync(file, 'utf8'));
}
