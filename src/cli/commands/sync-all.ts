// `commerce-sync sync-all -t <tenant>`: a sync of every enabled connection of the tenant at once, each
// connection's streams in dependency order (as `sync` queues them), followed to the end with one live
// bar per connection on a terminal and plain progress lines otherwise. Exit code: the worst outcome.
import type { RunView } from '../../engine/runs.js';
import { type Io, present, processIo, type View } from '../command.js';
import { connectionProgress, errorExit, followRuns, newBars, runExit } from '../follow.js';
import type { GlobalFlags } from '../main.js';
import { type ConnectionSync, syncAll, type SyncAllResult } from '../ops/runs.js';
import { EXIT, formatTable } from '../output.js';
import { openSession, type Session } from '../session.js';

export interface SyncAllOptions {
  tenant: string;
  full?: boolean;
  deadline?: string;
  json?: boolean;
}

type Entry = SyncAllResult['connections'][number];

/** A connection's exit code: its trigger's error, else as `sync --wait` would exit. */
function connectionExit(c: Entry): number {
  if (c.error) return errorExit(c.error);
  if (c.runs.length === 0) return EXIT.conflict; // every stream already running or throttled
  return Math.max(...c.runs.map(runExit), c.alreadyActive.length > 0 ? EXIT.conflict : EXIT.ok);
}

export const syncAllView: View<SyncAllResult> = {
  show(res, io) {
    if (res.connections.length === 0) {
      io.out('the tenant has no enabled connection\n');
      return;
    }
    const rows = res.connections.flatMap((c) =>
      c.error
        ? [{ connection: c.connection, status: c.error.code, error: c.error.message }]
        : [
            ...c.runs.map((v) => ({ connection: c.connection, stream: v.stream, status: v.status, read: v.progress.processed, added: v.counts.added, updated: v.counts.updated, deleted: v.counts.deleted, dead: v.counts.deadLetters, error: v.error ? `${v.error.code}: ${v.error.message}` : '' })),
            ...c.alreadyActive.map((v) => ({ connection: c.connection, stream: v.stream, status: 'already running', error: `run ${v.id}` })),
            ...c.throttled.map((t) => ({ connection: c.connection, stream: t.stream, status: 'throttled', error: `try again in ${Math.ceil(t.retryAfterMs / 1000)} s` })),
          ],
    );
    io.out(formatTable(rows, ['connection', 'stream', 'status', 'read', 'added', 'updated', 'deleted', 'dead', 'error']));
  },
  exit: (res) => Math.max(EXIT.ok, ...res.connections.map(connectionExit)),
};

/** Progress of the followed connections: a bar each on a terminal, else a line when a connection's stream or stage changes. */
function progressOf(followed: ConnectionSync[], io: Io): { update(views: RunView[]): void; stop(): void } {
  const runsOf = (c: ConnectionSync, byId: Map<string, RunView>) => c.runs.map((r) => byId.get(r.id) ?? r);
  if (io.live) {
    const bars = newBars(' {connection} [{bar}] {value}/{total} | {stream} {stage}');
    const each = followed.map((c) => ({ c, bar: bars.create(1, 0, { connection: c.connection, stream: '', stage: 'queued' }) }));
    return {
      update(views) {
        const byId = new Map(views.map((v) => [v.id, v]));
        for (const { c, bar } of each) {
          const p = connectionProgress(runsOf(c, byId));
          bar.setTotal(p.total);
          bar.update(p.value, { stream: p.stream, stage: p.stage });
        }
      },
      stop: () => bars.stop(),
    };
  }
  const last = new Map<string, string>();
  return {
    update(views) {
      const byId = new Map(views.map((v) => [v.id, v]));
      for (const c of followed) {
        const p = connectionProgress(runsOf(c, byId));
        const key = `${p.stream} ${p.stage}`;
        if (last.get(c.connectionId) === key) continue;
        last.set(c.connectionId, key);
        io.err(p.ended ? `${c.connection}: ${p.stage} (${p.value} read)\n` : `${c.connection}: ${key} (${p.value}/${p.total})\n`);
      }
    },
    stop: () => undefined,
  };
}

/** The command's logic in any session (this process or a server). */
export async function syncAllIn(session: Session, opts: SyncAllOptions, io: Io): Promise<number> {
  const res = await session.call(syncAll, { tenant: opts.tenant, full: opts.full, deadlineSeconds: opts.deadline === undefined ? undefined : Number(opts.deadline) });
  for (const s of res.skipped) io.err(`${s.connection}: skipped (${s.reason})\n`);
  for (const c of res.connections) if (c.error) io.err(`${c.connection}: ${c.error.code}: ${c.error.message}\n`);
  const followed = res.connections.filter((c) => c.runs.length > 0);
  const ids = followed.map((c) => c.connectionId);
  if (followed.length > 0) await session.work(ids);
  const progress = progressOf(followed, io);
  let finished: RunView[];
  try {
    finished = await followRuns(session, opts.tenant, followed.flatMap((c) => c.runs), (views) => progress.update(views));
    await session.settle(ids);
  } finally {
    progress.stop();
  }
  const byId = new Map(finished.map((v) => [v.id, v]));
  const result: SyncAllResult = { ...res, connections: res.connections.map((c) => ({ ...c, runs: c.runs.map((r) => byId.get(r.id) ?? r) })) };
  return present(result, syncAllView, io, session);
}

export async function syncAllCommand(flags: GlobalFlags, opts: SyncAllOptions): Promise<void> {
  const session = await openSession(flags, { work: true });
  try {
    process.exitCode = await syncAllIn(session, opts, processIo(opts));
  } finally {
    await session.close();
  }
}
