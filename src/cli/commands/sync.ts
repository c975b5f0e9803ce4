// `commerce-sync sync <connection>`: queue a sync of the connection (every stream, dependencies first,
// or --stream); with --wait, follow its runs with a live bar per stream and exit with the outcome
// (0 succeeded, 3 partial, 4 failed/timed out/cancelled, 5 already running or throttled). The runs
// execute in this process when it opened the database (it works its own connection's jobs, as the
// only process that can on PGlite), or in the server's embedded worker when a serve holds the data dir.
import type cliProgress from 'cli-progress';
import type { Engine } from '../../engine/engine.js';
import { followRuns, newBars, runBars, runExit, runSummary } from '../follow.js';
import type { GlobalFlags } from '../main.js';
import { sync } from '../ops/runs.js';
import { EXIT, printJson } from '../output.js';
import { progressLines } from '../progress-lines.js';
import { ContextSession, openSession, type Session } from '../session.js';

export interface SyncOptions {
  tenant: string;
  stream?: string[];
  full?: boolean;
  wait?: boolean;
  deadline?: string;
  json?: boolean;
}

export interface SyncOutput {
  line(text: string): void;
  json(value: unknown): void;
  /** Live bars on a terminal; null when output is not interactive. */
  bars: cliProgress.MultiBar | null;
}

export const STREAM_BAR_FORMAT = ' {stream} [{bar}] {value}/{total} | page {page} | {stage}';

/** The command's logic in any session: this process, a server, or an engine a caller started. */
export async function syncIn(session: Session, connectionRef: string, opts: SyncOptions, out: SyncOutput): Promise<number> {
  const res = await session.call(sync, {
    tenant: opts.tenant,
    connection: connectionRef,
    streams: opts.stream,
    full: opts.full,
    deadlineSeconds: opts.deadline === undefined ? undefined : Number(opts.deadline),
  });
  // With --json, stdout is the JSON alone (it carries the same facts).
  const line = opts.json ? () => undefined : out.line;
  for (const r of res.alreadyActive) line(`${r.stream}: already running (run ${r.id})`);
  for (const t of res.throttled) line(`${t.stream}: throttled, try again in ${Math.ceil(t.retryAfterMs / 1000)} s`);
  if (res.runs.length === 0) {
    if (opts.json) out.json(res);
    return EXIT.conflict;
  }
  const conflict = res.alreadyActive.length > 0 ? EXIT.conflict : EXIT.ok;
  if (!opts.wait) {
    const who = session.server ? `the server (pid ${session.server.pid}) executes it` : 'a running `serve` or `worker` executes it; --wait runs it here';
    for (const r of res.runs) line(`${r.stream}: queued run ${r.id} (${who})`);
    if (opts.json) out.json(res);
    return conflict;
  }
  await session.work([res.connectionId]);
  const finished = await followRuns(session, opts.tenant, res.runs, runBars(out.bars, res.runs));
  // Platform writes the pages asked for (eMAG acknowledge) follow each page's commit: the ones this
  // process performs finish before the command exits.
  await session.settle([res.connectionId]);
  out.bars?.stop();
  if (opts.json) out.json({ ...res, runs: finished });
  else for (const v of finished) out.line(`${v.stream}: ${runSummary(v)}`);
  return Math.max(...finished.map(runExit), conflict);
}

/** `sync` against an engine the caller created (and, for --wait, started): the demo, tests. */
export async function runSync(engine: Engine, connectionRef: string, opts: SyncOptions, out: SyncOutput): Promise<number> {
  if (opts.wait && !engine.working) throw new Error('runSync --wait needs a started engine (Engine.start): it follows runs the queue executes');
  return syncIn(new ContextSession({ db: engine.db, box: engine.deps.box, logger: engine.deps.logger, engine }), connectionRef, opts, out);
}

export async function syncCommand(flags: GlobalFlags, connection: string, opts: SyncOptions): Promise<void> {
  const session = await openSession(flags, { work: opts.wait === true });
  // Bars on a terminal; elsewhere (a pipe, a CI log) plain progress lines, which bars cannot give.
  const bars = !opts.json && opts.wait ? (process.stderr.isTTY ? newBars(STREAM_BAR_FORMAT) : progressLines((t) => process.stderr.write(t + '\n'))) : null;
  try {
    process.exitCode = await syncIn(session, connection, opts, { line: (t) => process.stdout.write(t + '\n'), json: printJson, bars });
  } finally {
    bars?.stop();
    await session.close();
  }
}
