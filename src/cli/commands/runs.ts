// `runs` and `dead-letters list|retry`: what the engine did and what it could not.
import type { DeadLetterView } from '../../engine/dead-letters.js';
import type { RetryOutcome } from '../../engine/dead-letter-retry.js';
import type { RunView } from '../../engine/runs.js';
import { limitOf, runCommand, tableView, type View } from '../command.js';
import type { GlobalFlags } from '../main.js';
import { deadLettersList, deadLettersRetry, runs } from '../ops/runs.js';
import { EXIT } from '../output.js';

export const runsView = tableView<RunView[]>(
  (rs) =>
    rs.map((r) => ({
      id: r.id,
      stream: r.stream,
      mode: r.mode,
      status: r.status,
      processed: r.progress.processed,
      added: r.counts.added,
      updated: r.counts.updated,
      dead: r.counts.deadLetters,
      error: r.error ? r.error.code : '',
      created: r.createdAt,
    })),
  ['id', 'stream', 'mode', 'status', 'processed', 'added', 'updated', 'dead', 'error', 'created'],
);

export const deadLettersView = tableView<DeadLetterView[]>(
  (ds) => ds.map((d) => ({ id: d.id, kind: d.kind, stream: d.stream, externalId: d.externalId, attempts: d.attempts, reason: d.reason.slice(0, 80), created: d.createdAt })),
  ['id', 'kind', 'stream', 'externalId', 'attempts', 'reason', 'created'],
);

export const retryView: View<RetryOutcome> = {
  show(o, io) {
    io.out(`retried ${o.attempted}: ${o.resolved} resolved, ${o.failed.length} still failing\n`);
    for (const f of o.failed.slice(0, 20)) io.out(`  ${f.id}: ${f.reason}\n`);
  },
  exit: (o) => (o.failed.length > 0 ? EXIT.partial : EXIT.ok),
};

export async function runsCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; limit?: string; json?: boolean }): Promise<void> {
  await runCommand(flags, runs, { tenant: opts.tenant, connection: opts.connection, limit: limitOf(opts.limit) }, runsView, opts);
}

export async function deadLettersListCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; json?: boolean }): Promise<void> {
  await runCommand(flags, deadLettersList, { tenant: opts.tenant, connection: opts.connection }, deadLettersView, opts);
}

export async function deadLettersRetryCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; run?: string; json?: boolean }): Promise<void> {
  await runCommand(flags, deadLettersRetry, { tenant: opts.tenant, connection: opts.connection, run: opts.run }, retryView, opts);
}
