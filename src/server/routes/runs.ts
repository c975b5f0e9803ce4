// Sync runs: trigger (POST /connections/:id/syncs), list, get, live progress (SSE), cancel.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { getRun, listRuns, type RunRow, toRunView } from '../../engine/runs.js';
import { decodeCursor } from '../../store/paging.js';
import { errorResponses, idParams, pageQuery, uuid } from '../schemas.js';

export const runView = z.object({
  id: z.string(),
  connectionId: z.string(),
  stream: z.string(),
  mode: z.enum(['full', 'incremental']),
  trigger: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'timed_out', 'cancelled']),
  progress: z.object({
    stage: z.string(),
    page: z.number(),
    processed: z.number(),
    total: z.number().nullable(),
    rateLimitedUntil: z.string().nullable(),
    retries: z.number(),
    message: z.string().optional(),
    slice: z.object({ key: z.string(), index: z.number(), count: z.number() }).optional(),
  }),
  counts: z.object({ added: z.number(), updated: z.number(), unchanged: z.number(), deleted: z.number(), deadLetters: z.number() }),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: z.string().nullable(),
  cancelRequested: z.boolean(),
  deadlineAt: z.string().nullable(),
  attempts: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const syncBody = z
  .strictObject({
    streams: z.array(z.string().min(1)).min(1).optional().describe('default: every stream of the connector, dependencies first'),
    mode: z.enum(['full', 'incremental']).default('incremental'),
    wait: z.number().min(0).max(600).optional().describe('seconds to wait for the runs to finish; 408 if they have not'),
    deadlineSeconds: z.number().int().min(1).max(24 * 3600).optional().describe('the run is stopped (timed_out) after this long'),
  })
  .default({ mode: 'incremental' });

const isActive = (r: RunRow) => r.status === 'queued' || r.status === 'running';

export function runRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engine.db;
  const tags = ['runs'];

  r.post(
    '/connections/:id/syncs',
    {
      schema: {
        tags,
        summary: 'Start a sync of a connection',
        description: '202 with the new runs; 409 with the active run when one is already running for the stream; 429 with Retry-After when throttled; 408 when `wait` expires (the runs go on).',
        params: idParams,
        body: syncBody,
        response: { 200: z.object({ runs: z.array(runView) }), 202: z.object({ runs: z.array(runView), alreadyActive: z.array(runView) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const b = request.body;
      const res = await deps.engine.trigger({
        tenantId: request.tenantId,
        connectionId: id,
        streams: b.streams,
        mode: b.mode,
        trigger: 'api',
        deadlineMs: b.deadlineSeconds ? b.deadlineSeconds * 1000 : undefined,
      });
      if (res.created.length === 0) {
        if (res.active.length > 0) {
          const runs = res.active.map(toRunView);
          throw new SyncError('run_already_active', `a ${runs[0]!.stream} run is already active for this connection (run ${runs[0]!.id})`, {
            details: { runId: runs[0]!.id, runs },
          });
        }
        const wait = Math.max(...res.throttled.map((t) => t.retryAfterMs));
        throw new SyncError('throttled', `synced too recently; try again in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait, details: { throttled: res.throttled } });
      }
      if (b.wait === undefined) return reply.code(202).send({ runs: res.created.map(toRunView), alreadyActive: res.active.map(toRunView) });
      const until = Date.now() + b.wait * 1000;
      const finished: RunRow[] = [];
      for (const run of res.created) finished.push(await deps.engine.waitForRun(request.tenantId, run.id, Math.max(0, until - Date.now())));
      if (finished.some(isActive)) {
        throw new SyncError('request_timeout', `the sync did not finish within ${b.wait} s; it continues — follow it at GET /api/v1/runs/${finished.find(isActive)!.id}`, {
          details: { runs: finished.map(toRunView) },
        });
      }
      return reply.code(200).send({ runs: finished.map(toRunView) });
    },
  );

  r.get(
    '/runs',
    {
      schema: {
        tags,
        summary: 'List runs, newest first',
        querystring: pageQuery.extend({
          connectionId: uuid.optional(),
          status: z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'timed_out', 'cancelled']).optional(),
          stream: z.string().optional(),
        }),
        response: { 200: z.object({ items: z.array(runView), nextCursor: z.string().nullable() }), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor ? decodeCursor(cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      return db.withTenant(request.tenantId, (tx) => listRuns(tx, request.tenantId, { limit, after, ...filter }));
    },
  );

  const loadRun = async (tenantId: string, id: string) => {
    const run = await db.withTenant(tenantId, (tx) => getRun(tx, tenantId, id));
    if (!run) throw new SyncError('not_found', `run ${id} not found`);
    return run;
  };

  r.get('/runs/:id', { schema: { tags, summary: 'Get a run with its progress', params: idParams, response: { 200: runView, ...errorResponses } } }, async (request) =>
    toRunView(await loadRun(request.tenantId, request.params.id)),
  );

  r.post(
    '/runs/:id/cancel',
    { schema: { tags, summary: 'Cancel a run (it stops at its next page boundary; the checkpoint is kept)', params: idParams, response: { 202: runView, ...errorResponses } } },
    async (request, reply) => {
      const run = await loadRun(request.tenantId, request.params.id);
      if (!isActive(run)) throw new SyncError('conflict', `run ${run.id} already ended (${run.status})`);
      const updated = await deps.engine.cancel(request.tenantId, run.id);
      return reply.code(202).send(toRunView(updated ?? run));
    },
  );

  // Server-sent events: the run's state whenever it changes, read from the database so progress
  // made by any worker process shows up; the stream ends after the run's final state.
  r.get('/runs/:id/events', { schema: { tags, summary: 'Live progress of a run (text/event-stream)', params: idParams } }, async (request, reply) => {
    const tenantId = request.tenantId;
    let run = await loadRun(tenantId, request.params.id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let last = '';
    let closed = false;
    request.raw.on('close', () => (closed = true));
    let sinceKeepAlive = 0;
    while (!closed) {
      const view = JSON.stringify(toRunView(run));
      if (view !== last) {
        res.write(`event: progress\ndata: ${view}\n\n`);
        last = view;
      }
      if (!isActive(run)) {
        res.write(`event: end\ndata: ${JSON.stringify({ status: run.status })}\n\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
      if ((sinceKeepAlive += 250) >= 15_000) {
        res.write(': keep-alive\n\n');
        sinceKeepAlive = 0;
      }
      run = (await db.withTenant(tenantId, (tx) => getRun(tx, tenantId, run.id))) ?? run;
    }
    res.end();
  });
}
