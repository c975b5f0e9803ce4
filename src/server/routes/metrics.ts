// GET /metrics: the Prometheus text of src/engine/metrics.ts, unauthenticated. Not served by default:
// `serve --metrics-port N` (COMMERCE_SYNC_METRICS_PORT) starts a second listener that answers only
// this path, which can stay on an internal network; `--metrics-public` (COMMERCE_SYNC_METRICS_PUBLIC=1)
// serves it on the API port as well. Without either, /metrics on the API port is a 404.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { enableDefaultMetrics, metricsText, queueMetrics } from '../../engine/metrics.js';
import type { Db } from '../../store/db.js';

export interface MetricsDeps {
  db: Pick<Db, 'query'>;
  logger: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
}

/** The route on an app (the API's, with --metrics-public). */
export function metricsRoutes(app: FastifyInstance, deps: MetricsDeps): void {
  enableDefaultMetrics();
  const queues = queueMetrics(deps.db, deps.logger);
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await metricsText(queues);
    return reply.type(contentType).send(body);
  });
}

export interface MetricsListener {
  server: Server;
  /** http://host:port of the listener (the port chosen when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** A bare node:http listener answering GET /metrics and 404 to anything else. */
export async function startMetricsListener(deps: MetricsDeps & { port: number; host: string }): Promise<MetricsListener> {
  enableDefaultMetrics();
  const queues = queueMetrics(deps.db, deps.logger);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metricsText(queues).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        deps.logger.error({ err }, 'metrics: scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
