// Operations: what a CLI command does, as one function of (context, arguments) returning JSON. The
// same function runs in the CLI's own process (the database opened there) or inside a running `serve`
// that owns the embedded data dir (POST /admin/v1/cli, src/server/routes/admin.ts): only the transport
// differs (src/cli/session.ts). So an operation throws catalogued SyncErrors only, which cross the HTTP
// boundary as the error envelope and map to the same exit code on either side (output.ts exitCodeFor).
import { z } from 'zod';
import { canonicalUuid } from '../../core/ids.js';
import { SyncError } from '../../core/errors.js';
import type { SecretBox } from '../../core/secret-box.js';
import type { Engine } from '../../engine/engine.js';
import type { ContextDeps } from '../../engine/run-context.js';
import { type ConnectionView, findConnectionByName, getConnection } from '../../store/connections.js';
import type { Db } from '../../store/db.js';
import { findTenant, type Tenant } from '../../store/tenants.js';
import type { Config } from '../config.js';

export interface OpContext {
  db: Db;
  box: SecretBox;
  /** Present for operations that declare `engine`; inside `serve` it is the server's started engine. */
  engine?: Engine;
  logger: ContextDeps['logger'];
  config?: Config;
}

export interface Operation<A extends z.ZodType = z.ZodType, R = unknown> {
  /** The name on the wire (`{operation, args}` of the admin route). */
  name: string;
  args: A;
  /**
   * What the CLI's own process prepares to run it: 'idle' an engine that takes no jobs, 'queue' an
   * engine that can send jobs (a running serve or worker executes them). Inside serve both are there.
   */
  engine?: 'idle' | 'queue';
  /** How long the CLI waits for the server's answer (default DEFAULT_REMOTE_TIMEOUT_MS). */
  remoteTimeoutMs?: number;
  run(ctx: OpContext, args: z.output<A>): Promise<R>;
}

export const DEFAULT_REMOTE_TIMEOUT_MS = 60_000;

/** Keeps the argument and result types of an operation literal (a plain object would widen them). */
export const defineOperation = <A extends z.ZodType, R>(op: Operation<A, R>): Operation<A, R> => op;

/** The arguments checked against the operation's schema: a 400 (exit 2) naming each bad one. */
export function parseArgs<A extends z.ZodType>(op: Operation<A, unknown>, raw: unknown): z.output<A> {
  const parsed = op.args.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(args)', message: i.message }));
  throw new SyncError('validation_failed', `invalid arguments of ${op.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { details: { issues } });
}

export function engineOf(ctx: OpContext): Engine {
  if (!ctx.engine) throw new SyncError('internal_error', 'this operation needs the sync engine');
  return ctx.engine;
}

// ---- argument pieces shared by the operations ---------------------------------------------------

/** `-t/--tenant`: an id or a unique name. */
export const tenantArg = z.string({ error: 'give the tenant with -t/--tenant or COMMERCE_SYNC_TENANT' }).trim().min(1).max(200);
/** A connection by id or name. */
export const connectionArg = z.string().trim().min(1).max(200);
/** An id of a hub record (any letter case). */
export const idArg = z.string().transform((v, ctx) => canonicalUuid(v) ?? (ctx.addIssue({ code: 'custom', message: 'must be a UUID' }), z.NEVER));

export async function tenantOf(db: Db, ref: string): Promise<Tenant> {
  const tenant = await findTenant(db, ref);
  if (!tenant) throw new SyncError('not_found', `no single tenant "${ref}" (use the id from \`commerce-sync tenants list\`)`);
  return tenant;
}

/** A connection of the tenant, by id or by name. */
export async function connectionOf(db: Db, tenant: Tenant, ref: string): Promise<ConnectionView> {
  const id = canonicalUuid(ref);
  const conn = await db.withTenant(tenant.id, (tx) => (id ? getConnection(tx, tenant.id, id) : findConnectionByName(tx, tenant.id, ref)));
  if (!conn) throw new SyncError('not_found', `no connection "${ref}" for tenant ${tenant.name}`);
  return conn;
}
