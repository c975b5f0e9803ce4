// `commerce-sync migrate` (like serve and worker) mends connections bricked by an upper-case id at
// start, where the master key is at hand, and says so in its output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/secret-box.js';
import { insertConnection, loadConnectionSecrets } from '../../src/store/connections.js';
import { openDatabase } from '../../src/store/db.js';
import { resolveMasterKey } from '../../src/store/master-key.js';
import { createTenant } from '../../src/store/tenants.js';
import { runCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cs-repair-'));
const env = { COMMERCE_SYNC_DATA_DIR: dataDir };
const CREDENTIALS = { accessToken: 'shpat_secret' };

describe('commerce-sync migrate repairs bricked connections', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-encrypts secrets written under the upper-case id, then has nothing left to do', async () => {
    const first = await runCli(['migrate', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).repaired).toEqual({ reencrypted: [], needsReauth: [] });

    const box = new SecretBox(resolveMasterKey({ dataDir }));
    let db = await openDatabase({ dataDir });
    const id = await db.transaction(async (tx) => {
      const { tenant } = await createTenant(tx, 'cli-repair');
      const c = await insertConnection(tx, box, { tenantId: tenant.id, platform: 'shopify', name: 'shop', settings: { shopDomain: 'acme.myshopify.com' }, credentials: CREDENTIALS });
      // What a PATCH through the upper-case id used to write.
      await tx.query('UPDATE connections SET credentials_enc = $2 WHERE id = $1', [c.id, box.encryptJson(CREDENTIALS, `connection:${c.id.toUpperCase()}:credentials`)]);
      return c.id;
    });
    await db.close();

    const repaired = await runCli(['migrate', '--json'], env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout).repaired).toEqual({ reencrypted: [id], needsReauth: [] });
    const text = await runCli(['migrate'], env);
    expect(text.stdout).not.toMatch(/re-encrypted/);

    db = await openDatabase({ dataDir });
    try {
      const tenantId = (await db.query<{ tenant_id: string }>('SELECT tenant_id FROM connections WHERE id = $1', [id])).rows[0]!.tenant_id;
      expect(await db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, box, tenantId, id))).toEqual({ credentials: CREDENTIALS, webhookSecret: null });
    } finally {
      await db.close();
    }
  });
});
