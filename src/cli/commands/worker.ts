// `commerce-sync worker`: executes queued runs and resumes orphaned ones, with no HTTP server.
// Scale-out is for PostgreSQL: any number of workers on any number of machines share the database.
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { startMetricsListener } from '../../server/routes/metrics.js';
import { repairConnectionSecrets } from '../../store/repair-ids.js';
import type { GlobalFlags } from '../main.js';
import { openOwnRuntime } from '../session.js';

export async function workerCommand(flags: GlobalFlags, opts: { concurrency?: string; metricsPort?: string }): Promise<void> {
  const rt = await openOwnRuntime({ ...flags, metricsPort: opts.metricsPort }, 'or leave the work to it: serve runs an embedded worker');
  // Needs the master key, so it runs here rather than in a migration; a no-op when nothing is broken.
  await repairConnectionSecrets(rt.db, rt.box, rt.logger);
  const queue = await startQueue(rt.db, rt.logger);
  const engine = new Engine({
    db: rt.db,
    box: rt.box,
    logger: rt.logger,
    registry: connectorRegistry(builtInConnectors()),
    outbound: new OutboundPolicy({ allowedHosts: rt.config.allowedHosts }),
    concurrency: opts.concurrency ? Math.max(1, Number(opts.concurrency)) : undefined,
  });
  await engine.start(queue, { embedded: rt.db.driver === 'pglite' });
  rt.logger.info({ owner: engine.owner, storage: rt.db.driver }, 'worker started');
  // The runs, pushes and webhooks this worker executes are counted in its own process: scrape each worker.
  const metrics = rt.config.metricsPort === undefined ? null : await startMetricsListener({ port: rt.config.metricsPort, host: rt.config.host, db: rt.db, logger: rt.logger });
  if (metrics) rt.logger.info({ url: `${metrics.url}/metrics` }, `metrics on ${metrics.url}/metrics`);
  // Shutdown (docs/engine.md, Shutdown): the runs in flight are aborted, keep their checkpoint at
  // their last committed page and are queued again with their lease released; the process exits
  // within 10 s whatever the platforms do (a request in flight is aborted with its run).
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      rt.logger.error({ signal }, 'shutdown took too long; exiting now');
      process.exit(1);
    }, 9_500);
    watchdog.unref();
    await metrics?.close().catch(() => undefined);
    await engine.stop({ graceMs: 5_000 });
    await queue.stop({ graceful: true, wait: true, timeout: 3_000 }).catch(() => undefined);
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
