// `commerce-sync worker`: executes queued runs and resumes orphaned ones, with no HTTP server.
// Scale-out is for PostgreSQL: any number of workers on any number of machines share the database.
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { repairConnectionSecrets } from '../../store/repair-ids.js';
import type { GlobalFlags } from '../main.js';
import { openOwnRuntime } from '../session.js';

export async function workerCommand(flags: GlobalFlags, opts: { concurrency?: string }): Promise<void> {
  const rt = await openOwnRuntime(flags, 'or leave the work to it: serve runs an embedded worker');
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
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await engine.stop();
    await queue.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
