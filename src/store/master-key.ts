// Where the master key comes from: COMMERCE_SYNC_MASTER_KEY, or — embedded mode only — a key file
// generated on first run in the data dir with mode 0600. With DATABASE_URL (production) a key
// must be given explicitly: a generated key on one machine would lock out every other worker.
// The data dir it lands in is created private (0700); a key file others can read is warned about.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMasterKey, parseMasterKey } from '../core/secret-box.js';
import { SyncError } from '../core/errors.js';
import { ensurePrivateDir } from './data-dir.js';

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
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      process.emitWarning(`the master key file ${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); fix it with: chmod 600 ${file}`, {
        code: 'COMMERCE_SYNC_DATA_DIR_PERMISSIONS',
      });
    }
    return parseMasterKey(readFileSync(file, 'utf8'));
  }
  ensurePrivateDir(opts.dataDir);
  try {
    writeFileSync(file, generateMasterKey() + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseMasterKey(readFileSync(file, 'utf8'));
}

/** The keys of COMMERCE_SYNC_PREVIOUS_MASTER_KEYS, each checked like the master key. */
export function previousMasterKeys(texts: readonly string[]): Buffer[] {
  return texts.map((text, i) => {
    try {
      return parseMasterKey(text);
    } catch (err) {
      throw new SyncError('master_key_missing', `COMMERCE_SYNC_PREVIOUS_MASTER_KEYS entry ${i + 1}: ${(err as Error).message}`);
    }
  });
}
