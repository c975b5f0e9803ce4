// Liveness (/healthz: the process answers) and readiness (/readyz: the database answers, the
// schema is current and every registered component — e.g. the job queue — says it is ready).
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.js';
import { latestMigrationVersion } from '../../store/migrate.js';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export function healthRoutes(app: FastifyInstance, deps: { db: Db; checks?: Record<string, ReadinessCheck> }): void {
  const latest = latestMigrationVersion();
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      const { rows } = await deps.db.query<{ v: number | null }>('SELECT max(version)::int AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      checks.database = 'ok';
      checks.schema = current >= latest ? 'ok' : `at ${current}, expected ${latest}`;
    } catch (err) {
      checks.database = `unavailable: ${(err as Error).message}`;
    }
    for (const [name, check] of Object.entries(deps.checks ?? {})) {
      try {
        checks[name] = (await check()) ? 'ok' : 'not ready';
      } catch (err) {
        checks[name] = `failed: ${(err as Error).message}`;
      }
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
