// `commerce-sync serve`: API + webhooks + docs + an embedded job worker, until SIGINT/SIGTERM.
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { Engine } from '../../engine/engine.js';
import { startQueue } from '../../engine/queue.js';
import { connectorRegistry } from '../../engine/registry.js';
import { buildApp } from '../../server/app.js';
import { repairConnectionSecrets } from '../../store/repair-ids.js';
import type { GlobalFlags } from '../main.js';
import { openRuntime } from '../runtime.js';

export async function serveCommand(flags: GlobalFlags, opts: { port?: string; host?: string }): Promise<void> {
  const rt = await openRuntime({ ...flags, port: opts.port, host: opts.host });
  // Needs the master key, so it runs here rather than in a migration; a no-op when nothing is broken.
  await repairConnectionSecrets(rt.db, rt.box, rt.logger);
  const queue = await startQueue(rt.db, rt.logger);
  let queueRunning = true;
  const outbound = new OutboundPolicy({ allowedHosts: rt.config.allowedHosts });
  const engine = new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
  const c = rt.config;
  const publicUrl = c.publicUrl ?? `http://${c.host}:${c.port}`;
  const shopifyApp = c.shopifyApiKey && c.shopifyApiSecret ? { apiKey: c.shopifyApiKey, apiSecret: c.shopifyApiSecret, publicUrl } : undefined;
  const app = await buildApp({ db: rt.db, box: rt.box, logger: rt.logger, engine, shopifyApp, readiness: { queue: () => queueRunning } });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, 'shutting down');
    await app.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    queueRunning = false;
    await queue.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const address = await app.listen({ port: rt.config.port, host: rt.config.host });
  // The API answers as soon as the database and queue are up; the embedded worker (queue workers,
  // lease sweeper, schedule tick) starts right after, off the start-up path.
  await engine.start(queue, { embedded: rt.db.driver === 'pglite' });
  rt.logger.info(
    { address, storage: rt.db.driver === 'pglite' ? `PGlite in ${rt.config.dataDir}` : 'PostgreSQL' },
    `commerce-sync listening on ${address} (API ${address}/api/v1, docs ${address}/docs)`,
  );
}
