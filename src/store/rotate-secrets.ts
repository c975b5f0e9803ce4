// Re-encrypts every stored secret (connection credentials and webhook secrets) under the current
// master key. Run with the new key as COMMERCE_SYNC_MASTER_KEY and the old one among
// COMMERCE_SYNC_PREVIOUS_MASTER_KEYS: every secret stays readable throughout (the box reads under
// either key), each field is rewritten on its own and only if it still holds what was read, and a
// second run changes nothing, so an interrupted rotation is finished by running it again.
import type { SecretBox } from '../core/secret-box.js';
import { connectionAad } from './connections.js';
import type { Db } from './db.js';

export interface RotationReport {
  connections: number;
  /** Secrets written again under the current key. */
  reencrypted: number;
  /** Secrets that were under the current key already. */
  current: number;
  /** `<connection id>:<field>` of secrets that decrypt under none of the keys given. */
  unreadable: string[];
}

const FIELDS = [
  ['credentials', 'credentials_enc'],
  ['webhook_secret', 'webhook_secret_enc'],
] as const;

export async function reencryptSecrets(db: Db, box: SecretBox): Promise<RotationReport> {
  const { rows } = await db.query<{ id: string; credentials_enc: string; webhook_secret_enc: string | null }>(
    'SELECT id, credentials_enc, webhook_secret_enc FROM connections ORDER BY id',
  );
  const report: RotationReport = { connections: rows.length, reencrypted: 0, current: 0, unreadable: [] };
  for (const row of rows) {
    for (const [field, column] of FIELDS) {
      const envelope = row[column];
      if (!envelope) continue;
      const aad = connectionAad(row.id, field);
      if (box.isCurrent(envelope, aad)) {
        report.current++;
        continue;
      }
      let plain: string;
      try {
        plain = box.decrypt(envelope, aad);
      } catch {
        report.unreadable.push(`${row.id}:${field}`);
        continue;
      }
      // A PATCH that wrote the field meanwhile wrote it under the current key: it wins.
      const { rowCount } = await db.query(`UPDATE connections SET ${column} = $2 WHERE id = $1 AND ${column} = $3`, [row.id, box.encrypt(plain, aad), envelope]);
      if (rowCount > 0) report.reencrypted++;
      else report.current++;
    }
  }
  return report;
}
