// `commerce-sync master-key rotate`: every stored secret re-encrypted under the current master key
// (COMMERCE_SYNC_MASTER_KEY), reading the old ones with COMMERCE_SYNC_PREVIOUS_MASTER_KEYS. The steps
// around it (which key goes where, when the old one can go) are in docs/security.md.
import { CliError, EXIT, printJson } from '../output.js';
import { openOwnRuntime } from '../session.js';
import { reencryptSecrets } from '../../store/rotate-secrets.js';
import type { GlobalFlags } from '../main.js';

export async function rotateMasterKeyCommand(flags: GlobalFlags, opts: { json?: boolean }): Promise<void> {
  const rt = await openOwnRuntime(flags, '`master-key rotate` needs the database to itself', { quiet: true });
  try {
    const report = await reencryptSecrets(rt.db, rt.box);
    if (opts.json) printJson(report);
    else {
      process.stdout.write(
        `${report.connections} connection(s): ${report.reencrypted} secret(s) re-encrypted under the current key, ${report.current} already under it\n`,
      );
    }
    if (report.unreadable.length > 0) {
      throw new CliError(
        `${report.unreadable.length} secret(s) decrypt under none of the keys given (${report.unreadable.join(', ')}): ` +
          'add the key they were written with to COMMERCE_SYNC_PREVIOUS_MASTER_KEYS and run again, or set them again with PATCH /api/v1/connections/:id',
        EXIT.failed,
      );
    }
  } finally {
    await rt.close();
  }
}
