// GET /api/v1/products/:id/logs: a product's audit trail (sync_log), newest first — every change applied
// by a pull, webhook or hub edit with its old and new values, every refused change, echo of our own
// push, conflict and push (docs/bidirectional.md). Lines older than the retention period are deleted
// daily (engine/retention.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { hubRecordExists } from '../../store/hub-reads.js';
import { errorResponses, idParams } from '../schemas.js';

const logLine = z.object({
  id: z.string().describe('increasing with time'),
  at: z.string(),
  direction: z.string().describe('pull | webhook | api | push | conflict'),
  origin: z.string().nullable(),
  connectionId: z.string().nullable().describe('the platform connection it came from or went to'),
  runId: z.string().nullable(),
  action: z.string().describe('create | update | delete | refused | echo | conflict | push ...'),
  changes: z.record(z.string(), z.unknown()),
});

export function productLogRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/products/:id/logs',
    {
      schema: {
        tags: ['hub data'],
        summary: "A product's audit trail, newest first",
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).max(100_000).default(0) }),
        response: { 200: z.object({ items: z.array(logLine), limit: z.number(), offset: z.number() }), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, offset } = request.query;
      return deps.engine.db.withTenant(request.tenantId, async (tx) => {
        if (!(await hubRecordExists(tx, 'product', request.tenantId, id))) throw new SyncError('not_found', `product ${id} not found`);
        const { rows } = await tx.query<{ id: string; at: Date; direction: string; origin: string | null; connection_id: string | null; run_id: string | null; action: string; changes: Record<string, unknown> }>(
          `SELECT id::text, created_at AS at, direction, origin, connection_id, run_id, action, changes FROM sync_log
            WHERE tenant_id = $1 AND entity = 'product' AND hub_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4`,
          [request.tenantId, id, limit, offset],
        );
        return {
          items: rows.map((l) => ({ id: l.id, at: l.at.toISOString(), direction: l.direction, origin: l.origin, connectionId: l.connection_id, runId: l.run_id, action: l.action, changes: l.changes })),
          limit,
          offset,
        };
      });
    },
  );
}
