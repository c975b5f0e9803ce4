// The embedded data directory holds customer data (WAL included) and the master key: it is created 0700
// with files 0600, stays so across restarts, and an existing one that others can read is warned about.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../src/core/secret-box.js';
import { openDatabase } from '../../src/store/db.js';
import { MASTER_KEY_FILE, resolveMasterKey } from '../../src/store/master-key.js';
import { migrate } from '../../src/store/migrate.js';

const root = mkdtempSync(join(tmpdir(), 'cs-perm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every entry under `dir` whose mode is not the private one, as "mode path". */
function notPrivate(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (mode(path) !== 0o700) out.push(`${mode(path).toString(8)} ${path}`);
      out.push(...notPrivate(path));
    } else if (mode(path) !== 0o600) out.push(`${mode(path).toString(8)} ${path}`);
  }
  return out;
}

/** Warnings emitted while `fn` runs. */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code === 'COMMERCE_SYNC_DATA_DIR_PERMISSIONS') seen.push(w.message);
  };
  process.on('warning', listener);
  try {
    await fn();
    // emitWarning delivers on the next tick.
    await new Promise((r) => setImmediate(r));
    return seen;
  } finally {
    process.off('warning', listener);
  }
}

async function openAndUse(dataDir: string): Promise<void> {
  const db = await openDatabase({ dataDir });
  try {
    await migrate(db);
    await db.query(`INSERT INTO tenants (name) VALUES ('perm-test') ON CONFLICT DO NOTHING`).catch(() => undefined);
  } finally {
    await db.close();
  }
}

describe.skipIf(process.platform === 'win32')('data dir permissions', () => {
  it('a new data dir is 0700, its files (the master key included) 0600, and stays so after a restart', async () => {
    const dataDir = join(root, 'nested', 'data');
    const warnings = await warningsDuring(async () => {
      resolveMasterKey({ dataDir });
      await openAndUse(dataDir);
    });
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, MASTER_KEY_FILE))).toBe(0o600);
    expect(notPrivate(dataDir)).toEqual([]);
    // PGlite rewrites some files when it opens an existing database.
    await openAndUse(dataDir);
    expect(notPrivate(dataDir)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('warns at start when an existing data dir or master key file is open to other users', async () => {
    const dataDir = join(root, 'shared');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, MASTER_KEY_FILE), generateMasterKey() + '\n', { mode: 0o644 });
    chmodSync(join(dataDir, MASTER_KEY_FILE), 0o644);
    const warnings = await warningsDuring(async () => {
      resolveMasterKey({ dataDir });
      await openAndUse(dataDir);
    });
    expect(warnings.join('\n')).toMatch(new RegExp(`master key file .*${MASTER_KEY_FILE} is readable by other users \\(mode 0644\\)`));
    expect(warnings.join('\n')).toMatch(/data dir .*shared is open to other users \(mode 0755.*chmod -R go-rwx/);
    // The operator's choice is left alone; what the new database unpacked is private all the same.
    expect(mode(dataDir)).toBe(0o755);
    expect(notPrivate(dataDir).filter((e) => !e.endsWith(MASTER_KEY_FILE))).toEqual([]);
  });
});
