// `commerce-sync serve`: API + webhooks + docs + an embedded job worker, until SIGINT/SIGTERM.
//
// On the embedded database (PGlite admits one process) serve is also where other CLI commands run
// while it holds the data dir: it answers POST /admin/v1/cli with the data dir's admin token, and
// writes <dataDir>/server.json once it listens so that they can find it (src/cli/server-files.ts).
// On PostgreSQL every command opens the database itself, so neither exists there.
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { buildApp } from '../../server/app.js';
import type { AdminDeps } from '../../server/routes/admin.js';
import { type MetricsListener, startMetricsListener } from '../../server/routes/metrics.js';
import { repairConnectionSecrets } from '../../store/repair-ids.js';
import type { GlobalFlags } from '../main.js';
import { OPERATIONS, runOperation } from '../ops/index.js';
import { loadConfig } from '../config.js';
import { ensureAdminToken, listenUrl, markServeStarting, removeServerInfo, writeServerInfo } from '../server-files.js';
import type { Runtime } from '../runtime.js';
import { openOwnRuntime } from '../session.js';

export async function serveCommand(flags: GlobalFlags, opts: { port?: string; host?: string; metricsPort?: string; metricsPublic?: boolean }): Promise<void> {
  const own = { ...flags, port: opts.port, host: opts.host, metricsPort: opts.metricsPort, metricsPublic: opts.metricsPublic };
  const config = loadConfig(own);
  // Commands started from now on wait for this server instead of taking the data dir (session.ts):
  // first through the starting mark, once the data dir is ours through server.json (URL to come).
  const unmark = config.databaseUrl ? () => undefined : markServeStarting(config.dataDir);
  let rt: Runtime;
  try {
    rt = await openOwnRuntime(own, 'it already serves this data dir');
    if (rt.db.driver === 'pglite') writeServerInfo(config.dataDir, { pid: process.pid, url: null, startedAt: new Date().toISOString() });
  } finally {
    unmark();
  }
  try {
    await serve(rt);
  } catch (err) {
    if (rt.db.driver === 'pglite') removeServerInfo(config.dataDir, process.pid);
    throw err;
  }
}

async function serve(rt: Runtime): Promise<void> {
  // Needs the master key, so it runs here rather than in a migration; a no-op when nothing is broken.
  await repairConnectionSecrets(rt.db, rt.box, rt.logger);
  const queue = await startQueue(rt.db, rt.logger);
  let queueRunning = true;
  const outbound = new OutboundPolicy({ allowedHosts: rt.config.allowedHosts });
  const engine = new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
  const c = rt.config;
  const publicUrl = c.publicUrl ?? `http://${c.host}:${c.port}`;
  const shopifyApp = c.shopifyApiKey && c.shopifyApiSecret ? { apiKey: c.shopifyApiKey, apiSecret: c.shopifyApiSecret, publicUrl } : undefined;
  const embedded = rt.db.driver === 'pglite';
  // The same operations the CLI runs itself, with this server's database and engine.
  const ctx = { db: rt.db, box: rt.box, engine, logger: rt.logger, config: rt.config };
  const admin: AdminDeps | undefined = embedded
    ? { token: ensureAdminToken(c.dataDir), operations: [...OPERATIONS.keys()], execute: (operation, args) => runOperation(ctx, operation, args) }
    : undefined;
  const app = await buildApp({ db: rt.db, box: rt.box, logger: rt.logger, engine, shopifyApp, admin, readiness: { queue: () => queueRunning }, metricsPublic: c.metricsPublic });
  let metrics: MetricsListener | null = null;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, 'shutting down');
    // First, so that no command starts talking to a server that is going away.
    if (embedded) removeServerInfo(c.dataDir, process.pid);
    await app.close().catch(() => undefined);
    await metrics?.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    queueRunning = false;
    await queue.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const address = await app.listen({ port: rt.config.port, host: rt.config.host });
  if (c.metricsPort !== undefined) {
    metrics = await startMetricsListener({ port: c.metricsPort, host: c.host, db: rt.db, logger: rt.logger });
    rt.logger.info({ url: `${metrics.url}/metrics` }, `metrics on ${metrics.url}/metrics`);
  }
  if (embedded) writeServerInfo(c.dataDir, { pid: process.pid, url: listenUrl(app.server.address()), startedAt: new Date().toISOString() });
  // The API answers as soon as the database and queue are up; the embedded worker (queue workers,
  // lease sweeper, schedule tick) starts right after, off the start-up path.
  await engine.start(queue, { embedded });
  rt.logger.info(
    { address, storage: embedded ? `PGlite in ${rt.config.dataDir}` : 'PostgreSQL' },
    `commerce-sync listening on ${address} (API ${address}/api/v1, docs ${address}/docs)`,
  );
}
