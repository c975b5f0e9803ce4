// `commerce-sync master-key rotate`: with the new key as COMMERCE_SYNC_MASTER_KEY and the old one in
// COMMERCE_SYNC_PREVIOUS_MASTER_KEYS, every stored secret is re-encrypted under the new key, after
// which the old key can go; a second run has nothing to do; a secret under a key that was not given
// is reported and the command fails (exit 4) without touching it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { insertConnection, loadConnectionSecrets } from '../../src/store/connections.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant } from '../../src/store/tenants.js';
import { runCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cs-rotate-'));
const OLD = generateMasterKey();
const NEW = generateMasterKey();

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('commerce-sync master-key rotate', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-encrypts every secret under the new key; the old key is then no longer needed', async () => {
    const oldBox = new SecretBox(parseMasterKey(OLD));
    const { tenantId, ids } = await withDb(async (db) => {
      await migrate(db);
      return db.transaction(async (tx) => {
        const { tenant } = await createTenant(tx, 'rotate');
        const a = await insertConnection(tx, oldBox, { tenantId: tenant.id, platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_a' }, webhookSecret: 'whsec-a' });
        const b = await insertConnection(tx, oldBox, { tenantId: tenant.id, platform: 'printful', name: 'pf', settings: {}, credentials: { token: 'pf_b' } });
        return { tenantId: tenant.id, ids: [a.id, b.id] };
      });
    });

    const rotated = await runCli(['master-key', 'rotate', '--json'], { COMMERCE_SYNC_DATA_DIR: dataDir, COMMERCE_SYNC_MASTER_KEY: NEW, COMMERCE_SYNC_PREVIOUS_MASTER_KEYS: OLD });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ connections: 2, reencrypted: 3, current: 0, unreadable: [] });

    // Readable with the new key alone, and no longer with the old one.
    const newOnly = new SecretBox(parseMasterKey(NEW));
    await withDb(async (db) => {
      const secrets = await db.withTenant(tenantId, async (tx) => Promise.all(ids.map((id) => loadConnectionSecrets(tx, newOnly, tenantId, id))));
      expect(secrets.map((s) => [s?.credentials, s?.webhookSecret ?? null])).toEqual([[{ accessToken: 'shpat_a' }, 'whsec-a'], [{ token: 'pf_b' }, null]]);
      await expect(db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, oldBox, tenantId, ids[0]!))).rejects.toThrow();
    });

    const again = await runCli(['master-key', 'rotate', '--json'], { COMMERCE_SYNC_DATA_DIR: dataDir, COMMERCE_SYNC_MASTER_KEY: NEW });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ connections: 2, reencrypted: 0, current: 3, unreadable: [] });
  });

  it('a secret under a key that was not given is reported, left as it is, and fails the command', async () => {
    const stray = new SecretBox(parseMasterKey(generateMasterKey()));
    const id = await withDb((db) =>
      db.transaction(async (tx) => {
        const { tenant } = await createTenant(tx, 'stray');
        return (await insertConnection(tx, stray, { tenantId: tenant.id, platform: 'shopify', name: 'stray', settings: { shopDomain: 'stray.myshopify.com' }, credentials: { accessToken: 'x' } })).id;
      }),
    );
    const before = await withDb(async (db) => (await db.query<{ c: string }>('SELECT credentials_enc AS c FROM connections WHERE id = $1', [id])).rows[0]!.c);
    const res = await runCli(['master-key', 'rotate'], { COMMERCE_SYNC_DATA_DIR: dataDir, COMMERCE_SYNC_MASTER_KEY: NEW, COMMERCE_SYNC_PREVIOUS_MASTER_KEYS: OLD });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`${id}:credentials`);
    expect(res.stderr).toContain('COMMERCE_SYNC_PREVIOUS_MASTER_KEYS');
    const after = await withDb(async (db) => (await db.query<{ c: string }>('SELECT credentials_enc AS c FROM connections WHERE id = $1', [id])).rows[0]!.c);
    expect(after).toBe(before);
  });
});
