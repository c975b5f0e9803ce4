// `commerce-sync sync <connection>`: trigger a sync; with --wait, run it here with a live progress
// bar per stream and exit with its outcome (0 succeeded, 3 partial, 4 failed/timed out/cancelled,
// 5 already running).
import cliProgress from 'cli-progress';
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { getRun, type RunRow, toRunView } from '../../engine/runs.js';
import { findConnectionByName, getConnection } from '../../store/connections.js';
import { findTenant } from '../../store/tenants.js';
import type { GlobalFlags } from '../main.js';
import { CliError, EXIT, printJson } from '../output.js';
import { openRuntime } from '../runtime.js';

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

const OUTCOME_EXIT: Record<string, number> = { succeeded: EXIT.ok, partial: EXIT.partial, failed: EXIT.failed, timed_out: EXIT.failed, cancelled: EXIT.failed };

export async function resolveConnectionId(engine: Engine, tenantRef: string, connectionRef: string): Promise<{ tenantId: string; connectionId: string }> {
  const tenant = await findTenant(engine.db, tenantRef);
  if (!tenant) throw new CliError(`no single tenant "${tenantRef}"`, EXIT.usage);
  const conn = await engine.db.withTenant(tenant.id, async (tx) =>
    /^[0-9a-f-]{36}$/i.test(connectionRef) ? getConnection(tx, tenant.id, connectionRef) : findConnectionByName(tx, tenant.id, connectionRef),
  );
  if (!conn) throw new CliError(`no connection "${connectionRef}" for tenant ${tenant.name}`, EXIT.usage);
  return { tenantId: tenant.id, connectionId: conn.id };
}

/** The command's logic, with the engine and output given (so it can run against any connector). */
export async function runSync(engine: Engine, connectionRef: string, opts: SyncOptions, out: SyncOutput): Promise<number> {
  const { tenantId, connectionId } = await resolveConnectionId(engine, opts.tenant, connectionRef);
  const deadlineMs = opts.deadline ? Number(opts.deadline) * 1000 : undefined;
  if (deadlineMs !== undefined && !(deadlineMs > 0)) throw new CliError('--deadline takes a number of seconds', EXIT.usage);
  if (opts.wait && !engine.working) throw new Error('runSync --wait needs a started engine (Engine.start): it follows runs the queue executes');
  const res = await engine.trigger({ tenantId, connectionId, streams: opts.stream, mode: opts.full ? 'full' : 'incremental', trigger: 'cli', deadlineMs });
  for (const r of res.active) out.line(`${r.stream}: already running (run ${r.id})`);
  for (const t of res.throttled) out.line(`${t.stream}: throttled, try again in ${Math.ceil(t.retryAfterMs / 1000)} s`);
  if (res.created.length === 0) {
    if (opts.json) out.json({ runs: [], alreadyActive: res.active.map(toRunView), throttled: res.throttled });
    return EXIT.conflict;
  }
  if (!opts.wait) {
    for (const r of res.created) out.line(`${r.stream}: queued run ${r.id} (a running \`serve\` or \`worker\` executes it; --wait runs it here)`);
    if (opts.json) out.json({ runs: res.created.map(toRunView), alreadyActive: res.active.map(toRunView) });
    return res.active.length > 0 ? EXIT.conflict : EXIT.ok;
  }

  const finished: RunRow[] = [];
  for (const run of res.created) {
    // Dependencies first: the runs were created in dependency order.
    const bar = out.bars?.create(1, 0, { stream: run.stream, stage: 'queued', page: 0 });
    const poll = setInterval(() => {
      void engine.db.withTenant(tenantId, (tx) => getRun(tx, tenantId, run.id)).then((r) => {
        if (!r || !bar) return;
        const p = toRunView(r).progress;
        bar.setTotal(Math.max(p.total ?? 0, p.processed, 1));
        bar.update(p.processed, { stage: p.stage === 'rate_limited' && p.rateLimitedUntil ? `rate limited until ${p.rateLimitedUntil.slice(11, 19)}` : p.stage, page: p.page });
      });
    }, 200);
    let ended: RunRow;
    try {
      // The run is executed by a job of the queue, here or by another worker; this command follows it.
      ended = await engine.waitForRun(tenantId, run.id, 24 * 3600_000, 100);
    } finally {
      clearInterval(poll);
    }
    const v = toRunView(ended);
    bar?.setTotal(Math.max(v.progress.total ?? 0, v.progress.processed, 1));
    bar?.update(v.progress.processed, { stage: v.status, page: v.progress.page });
    finished.push(ended);
  }
  // Platform writes the pages asked for (eMAG acknowledge) follow each page's commit: the ones this
  // process performs finish before the command exits.
  await engine.pullWritesIdle(connectionId);
  out.bars?.stop();
  const views = finished.map(toRunView);
  if (opts.json) out.json({ runs: views, alreadyActive: res.active.map(toRunView) });
  else {
    for (const v of views) {
      const c = v.counts;
      out.line(
        `${v.stream}: ${v.status} — ${v.progress.processed} read, ${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted, ${c.deadLetters} dead letters` +
          (v.error ? ` (${v.error.code}: ${v.error.message})` : ''),
      );
    }
  }
  return Math.max(...finished.map((r) => OUTCOME_EXIT[r.status] ?? EXIT.failed), res.active.length > 0 ? EXIT.conflict : 0);
}

export async function syncCommand(flags: GlobalFlags, connection: string, opts: SyncOptions): Promise<void> {
  const rt = await openRuntime(flags, { quiet: true });
  const outbound = new OutboundPolicy({ allowedHosts: rt.config.allowedHosts });
  const engine = new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
  const interactive = process.stderr.isTTY && !opts.json;
  const bars = interactive
    ? new cliProgress.MultiBar({ format: ' {stream} [{bar}] {value}/{total} | page {page} | {stage}', hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  let queue: Awaited<ReturnType<typeof startQueue>> | null = null;
  try {
    // Runs go through the job queue like any other: with --wait this command works its connection's
    // runs as a worker (on PGlite it is the only process that can), without it it only queues them.
    queue = await startQueue(rt.db, rt.logger, { supervise: opts.wait === true });
    if (opts.wait) {
      const { connectionId } = await resolveConnectionId(engine, opts.tenant, connection);
      await engine.start(queue, { embedded: rt.db.driver === 'pglite', onlyConnection: connectionId });
    } else await engine.attachQueue(queue);
    process.exitCode = await runSync(engine, connection, opts, {
      line: (t) => process.stdout.write(t + '\n'),
      json: printJson,
      bars,
    });
  } finally {
    bars?.stop();
    await engine.stop();
    await queue?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await rt.close();
  }
}
