// Runs: `sync` and `sync-all` queue them, `run-status` is what a command follows them by (polled, in
// this process or from the server), `runs` lists them; dead letters are what they could not write.
import { z } from 'zod';
import { isSyncError, toSyncError } from '../../core/errors.js';
import { listDeadLetters, type DeadLetterView } from '../../engine/dead-letters.js';
import type { RetryOutcome } from '../../engine/dead-letter-retry.js';
import type { Engine } from '../../engine/engine.js';
import { getRun, listRuns, type RunView, toRunView } from '../../engine/runs.js';
import { SyncError } from '../../core/errors.js';
import type { ConnectionView } from '../../store/connections.js';
import type { Tenant } from '../../store/tenants.js';
import { allConnections } from './admin.js';
import { connectionArg, connectionOf, defineOperation, engineOf, idArg, type OpContext, tenantArg, tenantOf } from './context.js';

const deadlineSeconds = z.number({ error: '--deadline takes a number of seconds' }).positive({ error: '--deadline takes a number of seconds' }).max(7 * 24 * 3600);

/** What one connection's trigger did: runs created (dependencies first), already active, throttled. */
export interface ConnectionSync {
  tenantId: string;
  connectionId: string;
  connection: string;
  platform: string;
  runs: RunView[];
  alreadyActive: RunView[];
  throttled: { stream: string; retryAfterMs: number }[];
}

async function trigger(engine: Engine, tenant: Tenant, conn: ConnectionView, opts: { streams?: string[] | undefined; full?: boolean | undefined; deadlineSeconds?: number | undefined }): Promise<ConnectionSync> {
  const res = await engine.trigger({
    tenantId: tenant.id,
    connectionId: conn.id,
    streams: opts.streams,
    mode: opts.full ? 'full' : 'incremental',
    trigger: 'cli',
    deadlineMs: opts.deadlineSeconds === undefined ? undefined : Math.round(opts.deadlineSeconds * 1000),
  });
  return {
    tenantId: tenant.id,
    connectionId: conn.id,
    connection: conn.name,
    platform: conn.platform,
    runs: res.created.map(toRunView),
    alreadyActive: res.active.map(toRunView),
    throttled: res.throttled,
  };
}

export const sync = defineOperation({
  name: 'sync',
  engine: 'queue',
  args: z.object({
    tenant: tenantArg,
    connection: connectionArg,
    streams: z.array(z.string().min(1)).min(1).optional(),
    full: z.boolean().optional(),
    deadlineSeconds: deadlineSeconds.optional(),
  }),
  async run(ctx, args): Promise<ConnectionSync> {
    const tenant = await tenantOf(ctx.db, args.tenant);
    return trigger(engineOf(ctx), tenant, await connectionOf(ctx.db, tenant, args.connection), args);
  },
});

export interface SyncAllResult {
  tenantId: string;
  /** Every connection that is not disabled, in order of creation; `error` when it could not be triggered. */
  connections: (ConnectionSync & { error: { code: string; message: string } | null })[];
  skipped: { connectionId: string; connection: string; reason: string }[];
}

export const syncAll = defineOperation({
  name: 'sync-all',
  engine: 'queue',
  args: z.object({ tenant: tenantArg, full: z.boolean().optional(), deadlineSeconds: deadlineSeconds.optional() }),
  async run(ctx, args): Promise<SyncAllResult> {
    const tenant = await tenantOf(ctx.db, args.tenant);
    const engine = engineOf(ctx);
    const result: SyncAllResult = { tenantId: tenant.id, connections: [], skipped: [] };
    for (const conn of await allConnections(ctx, tenant.id)) {
      if (conn.status === 'disabled') {
        result.skipped.push({ connectionId: conn.id, connection: conn.name, reason: 'disabled' });
        continue;
      }
      try {
        result.connections.push({ ...(await trigger(engine, tenant, conn, args)), error: null });
      } catch (err) {
        // One connection that cannot sync (no connector, invalid settings) does not stop the others.
        if (!isSyncError(err)) ctx.logger.error({ err, connectionId: conn.id }, 'sync-all: trigger failed');
        const e = toSyncError(err);
        result.connections.push({ tenantId: tenant.id, connectionId: conn.id, connection: conn.name, platform: conn.platform, runs: [], alreadyActive: [], throttled: [], error: { code: e.code, message: e.message } });
      }
    }
    return result;
  },
});

export const runStatus = defineOperation({
  name: 'run-status',
  args: z.object({ tenant: tenantArg, runs: z.array(idArg).min(1).max(200) }),
  async run(ctx, args): Promise<RunView[]> {
    const tenant = await tenantOf(ctx.db, args.tenant);
    const rows = await ctx.db.withTenant(tenant.id, (tx) => Promise.all(args.runs.map((id) => getRun(tx, tenant.id, id))));
    return rows.map((r, i) => {
      if (!r) throw new SyncError('not_found', `run ${args.runs[i]} not found`);
      return toRunView(r);
    });
  },
});

/** The tenant, and the connection when one is named. */
async function scope(ctx: OpContext, tenantRef: string, connectionRef: string | undefined): Promise<{ tenantId: string; connectionId?: string }> {
  const tenant = await tenantOf(ctx.db, tenantRef);
  return connectionRef ? { tenantId: tenant.id, connectionId: (await connectionOf(ctx.db, tenant, connectionRef)).id } : { tenantId: tenant.id };
}

export const runs = defineOperation({
  name: 'runs',
  args: z.object({ tenant: tenantArg, connection: connectionArg.optional(), limit: z.number().int().min(1).max(500).default(20) }),
  async run(ctx, args): Promise<RunView[]> {
    const { tenantId, connectionId } = await scope(ctx, args.tenant, args.connection);
    return (await ctx.db.withTenant(tenantId, (tx) => listRuns(tx, tenantId, { limit: args.limit, connectionId }))).items;
  },
});

export const deadLettersList = defineOperation({
  name: 'dead-letters-list',
  args: z.object({ tenant: tenantArg, connection: connectionArg.optional() }),
  async run(ctx, args): Promise<DeadLetterView[]> {
    const { tenantId, connectionId } = await scope(ctx, args.tenant, args.connection);
    return (await ctx.db.withTenant(tenantId, (tx) => listDeadLetters(tx, tenantId, { limit: 500, status: 'open', connectionId }))).items;
  },
});

export const deadLettersRetry = defineOperation({
  name: 'dead-letters-retry',
  engine: 'idle',
  // A retry re-reads records from their platforms, for up to 5 minutes (dead-letter-retry.ts).
  remoteTimeoutMs: 6 * 60_000,
  args: z.object({ tenant: tenantArg, connection: connectionArg.optional(), run: idArg.optional() }),
  async run(ctx, args): Promise<RetryOutcome> {
    const { tenantId, connectionId } = await scope(ctx, args.tenant, args.connection);
    return engineOf(ctx).retryDeadLetters(tenantId, { connectionId, runId: args.run });
  },
});
