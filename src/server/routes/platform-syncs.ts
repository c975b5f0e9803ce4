// Tenant-level sync of every connection of a platform (e.g. the main and FBE accounts of eMAG): one
// trigger per connection, so their runs execute side by side — each connection has its own limiter and
// its own single-flight slot — and the whole takes about as long as the slowest account, not the sum.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isSyncError, SyncError, toErrorBody } from '../../core/errors.js';
import { Platform } from '../../core/records.js';
import type { Engine } from '../../engine/engine.js';
import { type RunRow, toRunView } from '../../engine/runs.js';
import { errorBody, errorResponses } from '../schemas.js';
import { runView } from './runs.js';

const body = z.strictObject({
  platform: Platform.describe('every connection of this platform is synced'),
  streams: z.array(z.string().min(1)).min(1).optional().describe('default: every stream of the connector, dependencies first'),
  mode: z.enum(['full', 'incremental']).default('incremental'),
  wait: z.number().min(0).max(600).optional().describe('seconds to wait for all runs to finish; 408 if they have not'),
  deadlineSeconds: z.number().int().min(1).max(24 * 3600).optional().describe('each run is stopped (timed_out) after this long'),
});

const connectionResult = z.object({
  connectionId: z.string(),
  name: z.string(),
  runs: z.array(runView),
  alreadyActive: z.array(runView),
  throttled: z.array(z.object({ stream: z.string(), retryAfterMs: z.number() })),
  error: errorBody.shape.error.nullable(),
});

const isActive = (r: RunRow) => r.status === 'queued' || r.status === 'running';

export function platformSyncRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/syncs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Sync every connection of a platform in parallel',
        description:
          '202 with the runs per connection; 409 when every connection already has its runs active (with their ids); 404 when the tenant has no usable connection of the platform; 408 when `wait` expires (the runs go on).',
        body,
        response: { 200: z.object({ connections: z.array(connectionResult) }), 202: z.object({ connections: z.array(connectionResult) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const tenantId = request.tenantId;
      const { rows } = await deps.engine.db.withTenant(tenantId, (tx) =>
        tx.query<{ id: string; name: string }>(`SELECT id, name FROM connections WHERE tenant_id = $1 AND platform = $2 AND status <> 'disabled' ORDER BY name`, [tenantId, b.platform]),
      );
      if (rows.length === 0) throw new SyncError('not_found', `this tenant has no enabled ${b.platform} connection`);
      const results = await Promise.all(
        rows.map(async (c) => {
          try {
            const res = await deps.engine.trigger({
              tenantId, connectionId: c.id, streams: b.streams, mode: b.mode, trigger: 'api',
              deadlineMs: b.deadlineSeconds ? b.deadlineSeconds * 1000 : undefined,
            });
            return { connectionId: c.id, name: c.name, created: res.created, active: res.active, throttled: res.throttled, error: null };
          } catch (err) {
            // One account's broken configuration must not keep the others from syncing.
            if (!isSyncError(err)) throw err;
            return { connectionId: c.id, name: c.name, created: [] as RunRow[], active: [] as RunRow[], throttled: [], error: toErrorBody(err).error };
          }
        }),
      );
      const view = (finished?: Map<string, RunRow>) =>
        results.map((x) => ({
          connectionId: x.connectionId, name: x.name, runs: x.created.map((run) => toRunView(finished?.get(run.id) ?? run)),
          alreadyActive: x.active.map(toRunView), throttled: x.throttled, error: x.error,
        }));
      const created = results.flatMap((x) => x.created);
      if (created.length === 0) {
        const active = results.flatMap((x) => x.active);
        if (active.length > 0) {
          throw new SyncError('run_already_active', `${b.platform} runs are already active for every connection (run ${active[0]!.id})`, {
            details: { runId: active[0]!.id, connections: view() },
          });
        }
        const failed = results.find((x) => x.error);
        if (failed) throw new SyncError('connection_unusable', `no ${b.platform} connection could start: ${failed.name}: ${failed.error!.message}`, { details: { connections: view() } });
        const wait = Math.max(...results.flatMap((x) => x.throttled.map((t) => t.retryAfterMs)));
        throw new SyncError('throttled', `synced too recently; try again in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait, details: { connections: view() } });
      }
      if (b.wait === undefined) return reply.code(202).send({ connections: view() });
      const until = Date.now() + b.wait * 1000;
      // Waiting on each connection's runs at once: the accounts run in parallel, so must the waiting.
      const finished = new Map<string, RunRow>();
      await Promise.all(
        results.map(async (x) => {
          for (const run of x.created) finished.set(run.id, await deps.engine.waitForRun(tenantId, run.id, Math.max(0, until - Date.now())));
        }),
      );
      const stillActive = [...finished.values()].find(isActive);
      if (stillActive) {
        throw new SyncError('request_timeout', `the ${b.platform} sync did not finish within ${b.wait} s; it continues — follow it at GET /api/v1/runs?status=running`, {
          details: { runId: stillActive.id, connections: view(finished) },
        });
      }
      return reply.code(200).send({ connections: view(finished) });
    },
  );
}
