// The repair of connections bricked by an upper-case id: a secret encrypted with the upper-case id in
// its associated data (what a PATCH through /connections/<UPPER-CASE ID> wrote) is encrypted again
// under the canonical id; one that decrypts under no spelling leaves its connection needs_reauth with
// a reason. Idempotent, a no-op on healthy rows, and hands-off when the master key is simply wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { type ConnectionView, getConnection, insertConnection, loadConnectionSecrets } from '../../src/store/connections.js';
import { repairConnectionSecrets } from '../../src/store/repair-ids.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const CREDENTIALS = { accessToken: 'shpat_secret', apiSecret: 'shpss_secret' };

describe('repairConnectionSecrets', () => {
  let t: TestDb;
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestDb();
    tenantId = (await t.db.transaction((tx) => createTenant(tx, 'repair'))).tenant.id;
  });
  afterAll(() => t?.cleanup());

  const connect = (name: string) =>
    t.db.withTenant(tenantId, (tx) =>
      insertConnection(tx, box, { tenantId, platform: 'shopify', name, settings: { shopDomain: 'acme.myshopify.com' }, credentials: CREDENTIALS, webhookSecret: 'whsec_1' }),
    );
  /** Writes a secret the way the old code did for an id spelled `spelling`. */
  const brick = async (c: ConnectionView, field: 'credentials' | 'webhook_secret', spelling: string) => {
    const aad = `connection:${spelling}:${field}`;
    const value = field === 'credentials' ? box.encryptJson(CREDENTIALS, aad) : box.encrypt('whsec_1', aad);
    await t.db.query(`UPDATE connections SET ${field === 'credentials' ? 'credentials_enc' : 'webhook_secret_enc'} = $2 WHERE id = $1`, [c.id, value]);
  };
  const secretsOf = (id: string) => t.db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, box, tenantId, id));
  const rowOf = async (id: string) =>
    (await t.db.query<{ credentials_enc: string; webhook_secret_enc: string }>('SELECT credentials_enc, webhook_secret_enc FROM connections WHERE id = $1', [id])).rows[0]!;

  it('re-encrypts what decrypts under the upper-case id, marks what decrypts under none, and leaves healthy rows alone', async () => {
    const healthy = await connect('healthy');
    const upper = await connect('upper');
    const mixed = await connect('mixed');
    await brick(upper, 'credentials', upper.id.toUpperCase());
    await brick(upper, 'webhook_secret', upper.id.toUpperCase());
    // A mixed-case spelling cannot be guessed back.
    expect(mixed.id.replace(/[^a-f]/g, '').length).toBeGreaterThan(1);
    await brick(mixed, 'webhook_secret', mixed.id.replace(/[a-f]/, (c) => c.toUpperCase()));
    await expect(secretsOf(upper.id)).rejects.toMatchObject({ code: 'connection_unusable' });
    const healthyBefore = await rowOf(healthy.id);

    const report = await repairConnectionSecrets(t.db, box);
    expect(report).toEqual({ checked: 3, reencrypted: [upper.id], needsReauth: [mixed.id] });
    expect(await secretsOf(upper.id)).toEqual({ credentials: CREDENTIALS, webhookSecret: 'whsec_1' });
    expect(await rowOf(healthy.id)).toEqual(healthyBefore);
    const marked = await t.db.withTenant(tenantId, (tx) => getConnection(tx, tenantId, mixed.id));
    expect(marked).toMatchObject({ status: 'needs_reauth', statusReason: expect.stringMatching(/webhookSecret cannot be decrypted.*PATCH/) });
    expect((await t.db.withTenant(tenantId, (tx) => getConnection(tx, tenantId, upper.id)))!.status).toBe('active');

    // Idempotent: nothing left to do, nothing rewritten.
    const upperAfter = await rowOf(upper.id);
    expect(await repairConnectionSecrets(t.db, box)).toEqual({ checked: 3, reencrypted: [], needsReauth: [] });
    expect(await rowOf(upper.id)).toEqual(upperAfter);
  });

  it('changes nothing when no secret decrypts at all (the wrong master key, not bricked rows)', async () => {
    const other = new SecretBox(parseMasterKey(generateMasterKey()));
    const before = (await t.db.query('SELECT id, credentials_enc, webhook_secret_enc, status, status_reason FROM connections ORDER BY id')).rows;
    const report = await repairConnectionSecrets(t.db, other);
    expect(report).toMatchObject({ reencrypted: [], needsReauth: [], skipped: expect.stringMatching(/master key/) });
    expect((await t.db.query('SELECT id, credentials_enc, webhook_secret_enc, status, status_reason FROM connections ORDER BY id')).rows).toEqual(before);
  });
});
