// Following runs to their end, the same way wherever they execute: the command polls the `run-status`
// operation (a query here, a request to the server otherwise) at a bounded interval and draws what it
// learns; the exit code is the worst outcome.
import cliProgress from 'cli-progress';
import { isErrorCode, SyncError } from '../core/errors.js';
import type { RunView } from '../engine/runs.js';
import { runStatus } from './ops/runs.js';
import { EXIT, exitCodeFor } from './output.js';
import type { Session } from './session.js';

export const OUTCOME_EXIT: Record<string, number> = { succeeded: EXIT.ok, partial: EXIT.partial, failed: EXIT.failed, timed_out: EXIT.failed, cancelled: EXIT.failed };

/** Exit code of a run as last seen (a run still active when following stopped counts as failed). */
export const runExit = (v: RunView): number => OUTCOME_EXIT[v.status] ?? EXIT.failed;

/** Exit code of an error reported as {code, message} (the same mapping as a thrown error's). */
export const errorExit = (e: { code: string; message: string }): number => (isErrorCode(e.code) ? exitCodeFor(new SyncError(e.code, e.message)) : EXIT.failed);

export const isEnded = (v: RunView): boolean => v.status !== 'queued' && v.status !== 'running';

/** How often the runs are polled: a query in this process, a request to a server. */
export const pollInterval = (session: Session): number => (session.server ? 500 : 200);

/** Polls until every run has ended (or `timeoutMs` passed), calling `onUpdate` with all runs after each poll. */
export async function followRuns(
  session: Session,
  tenant: string,
  runs: RunView[],
  onUpdate: (views: RunView[]) => void,
  opts: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<RunView[]> {
  const interval = opts.intervalMs ?? pollInterval(session);
  const until = Date.now() + (opts.timeoutMs ?? 24 * 3600_000);
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (;;) {
    const active = [...byId.values()].filter((v) => !isEnded(v));
    if (active.length === 0 || Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, interval));
    // Only the runs still active are asked about, at most 200 per call (the operation's limit).
    for (let i = 0; i < active.length; i += 200) {
      for (const v of await session.call(runStatus, { tenant, runs: active.slice(i, i + 200).map((r) => r.id) })) byId.set(v.id, v);
    }
    onUpdate([...byId.values()]);
  }
  return runs.map((r) => byId.get(r.id)!);
}

/** A stage as shown: a rate-limit wait with its end, an ended run with its status. */
export function stageOf(v: RunView): string {
  if (isEnded(v)) return v.status;
  const p = v.progress;
  return p.stage === 'rate_limited' && p.rateLimitedUntil ? `rate limited until ${p.rateLimitedUntil.slice(11, 19)}` : p.stage;
}

/** The one-line summary of an ended run. */
export function runSummary(v: RunView): string {
  const c = v.counts;
  return (
    `${v.status} — ${v.progress.processed} read, ${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted, ${c.deadLetters} dead letters` +
    (v.error ? ` (${v.error.code}: ${v.error.message})` : '')
  );
}

export const newBars = (format: string): cliProgress.MultiBar =>
  new cliProgress.MultiBar({ format, hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic);

/** A bar per run (sync): created in dependency order, updated from each poll. */
export function runBars(bars: cliProgress.MultiBar | null, runs: RunView[]): (views: RunView[]) => void {
  if (!bars) return () => undefined;
  const byId = new Map(runs.map((r) => [r.id, bars.create(1, 0, { stream: r.stream, stage: stageOf(r), page: 0 })]));
  return (views) => {
    for (const v of views) {
      const bar = byId.get(v.id);
      bar?.setTotal(Math.max(v.progress.total ?? 0, v.progress.processed, 1));
      bar?.update(v.progress.processed, { stage: stageOf(v), page: v.progress.page });
    }
  };
}

/** Where one connection's runs stand: the stream under way (the first not ended, in dependency order), and totals. */
export function connectionProgress(views: RunView[]): { value: number; total: number; stream: string; stage: string; ended: boolean } {
  const current = views.find((v) => !isEnded(v));
  const worst = views.reduce<RunView | undefined>((w, v) => (!w || runExit(v) > runExit(w) ? v : w), undefined);
  return {
    value: views.reduce((n, v) => n + v.progress.processed, 0),
    total: Math.max(1, views.reduce((n, v) => n + Math.max(v.progress.total ?? 0, v.progress.processed), 0)),
    stream: current?.stream ?? '',
    stage: current ? stageOf(current) : (worst?.status ?? 'done'),
    ended: !current,
  };
}
