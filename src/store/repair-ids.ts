// Mends connections whose secrets were encrypted under a non-canonical spelling of their id. Before
// ids were made lower case at the edge, a PATCH through the upper-case form of an id encrypted the
// new credentials (or webhook secret) with that spelling in the associated data, and every later read,
// which uses the canonical id, failed. Such a secret is decrypted under the upper-case spelling and
// encrypted again under the canonical one; a secret that decrypts under neither (a mixed-case spelling
// cannot be guessed) leaves its connection `needs_reauth` with a reason saying what to set again.
//
// Decrypting needs the master key, so this runs at process start (serve, worker, migrate) after the
// migrations, not as SQL. It is idempotent, changes nothing when nothing is broken, and costs one
// read of the connections plus a decryption per secret.
import type { SecretBox } from '../core/secret-box.js';
import { connectionAad } from './connections.js';
import type { Db } from './db.js';

type Field = 'credentials' | 'webhook_secret';
const COLUMN: Record<Field, 'credentials_enc' | 'webhook_secret_enc'> = { credentials: 'credentials_enc', webhook_secret: 'webhook_secret_enc' };
const WHAT: Record<Field, string> = { credentials: 'credentials', webhook_secret: 'webhookSecret' };

export interface RepairReport {
  /** Connections whose secrets were read. */
  checked: number;
  /** Connections with a secret encrypted again under the canonical id. */
  reencrypted: string[];
  /** Connections newly marked needs_reauth because a secret could not be recovered. */
  needsReauth: string[];
  /** Set when nothing was changed because no secret decrypts at all: most likely another master key. */
  skipped?: string;
}

interface Row {
  id: string;
  credentials_enc: string;
  webhook_secret_enc: string | null;
  status: string;
  status_reason: string | null;
}

type Outcome = { state: 'ok' } | { state: 'reencrypt'; old: string; fresh: string } | { state: 'lost' };

function tryDecrypt(box: SecretBox, envelope: string, aad: string): string | null {
  try {
    return box.decrypt(envelope, aad);
  } catch {
    return null;
  }
}

function recover(box: SecretBox, id: string, field: Field, envelope: string): Outcome {
  if (tryDecrypt(box, envelope, connectionAad(id, field)) !== null) return { state: 'ok' };
  // connectionAad lower-cases its id, so the upper-case spelling is built here, as the old code did.
  const plain = tryDecrypt(box, envelope, `connection:${id.toUpperCase()}:${field}`);
  if (plain !== null) return { state: 'reencrypt', old: envelope, fresh: box.encrypt(plain, connectionAad(id, field)) };
  return { state: 'lost' };
}

export function unreadableSecretsReason(id: string, fields: Field[]): string {
  return `the stored ${fields.map((f) => WHAT[f]).join(' and ')} cannot be decrypted: set ${fields.length > 1 ? 'them' : 'it'} again with PATCH /api/v1/connections/${id} (with status "active")`;
}

export async function repairConnectionSecrets(db: Db, box: SecretBox, log?: { warn(obj: object, msg: string): void }): Promise<RepairReport> {
  const { rows } = await db.query<Row>('SELECT id, credentials_enc, webhook_secret_enc, status, status_reason FROM connections ORDER BY id');
  const plans = rows.map((r) => {
    const outcomes: [Field, Outcome][] = [];
    if (r.credentials_enc) outcomes.push(['credentials', recover(box, r.id, 'credentials', r.credentials_enc)]);
    if (r.webhook_secret_enc) outcomes.push(['webhook_secret', recover(box, r.id, 'webhook_secret', r.webhook_secret_enc)]);
    return { row: r, outcomes };
  });
  const report: RepairReport = { checked: rows.length, reencrypted: [], needsReauth: [] };
  const all = plans.flatMap((p) => p.outcomes.map(([, o]) => o));
  if (all.length > 0 && all.every((o) => o.state === 'lost')) {
    // Not one secret decrypts under any spelling: the key is wrong, not the rows. Marking every
    // connection would only hide that; nothing is changed.
    report.skipped = 'no stored secret decrypts with this master key; is COMMERCE_SYNC_MASTER_KEY the one the secrets were written with?';
    log?.warn({ connections: rows.length }, report.skipped);
    return report;
  }
  for (const { row, outcomes } of plans) {
    const fixes = outcomes.filter((o): o is [Field, Extract<Outcome, { state: 'reencrypt' }>] => o[1].state === 'reencrypt');
    const lost = outcomes.filter(([, o]) => o.state === 'lost').map(([f]) => f);
    if (fixes.length === 0 && lost.length === 0) continue;
    await db.transaction(async (tx) => {
      for (const [field, fix] of fixes) {
        // Only if the row still holds what was read: a concurrent PATCH (or another process doing
        // the same repair) wins.
        const { rowCount } = await tx.query(`UPDATE connections SET ${COLUMN[field]} = $2 WHERE id = $1 AND ${COLUMN[field]} = $3`, [row.id, fix.fresh, fix.old]);
        if (rowCount > 0 && !report.reencrypted.includes(row.id)) report.reencrypted.push(row.id);
      }
      if (lost.length > 0) {
        const reason = unreadableSecretsReason(row.id, lost);
        const { rowCount } = await tx.query(
          `UPDATE connections SET status = 'needs_reauth', status_reason = $2, updated_at = now()
            WHERE id = $1 AND (status <> 'needs_reauth' OR status_reason IS DISTINCT FROM $2)`,
          [row.id, reason],
        );
        // Counted only when newly marked, so a second start reports (and logs) nothing.
        if (rowCount > 0) report.needsReauth.push(row.id);
      }
    });
  }
  if (report.reencrypted.length > 0 || report.needsReauth.length > 0) {
    log?.warn({ reencrypted: report.reencrypted, needsReauth: report.needsReauth }, 'repaired connection secrets written under a non-canonical id');
  }
  return report;
}
