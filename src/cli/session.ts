// Where a command's operations run. The CLI first opens the database itself, as every command always
// did. On the embedded default (PGlite) only one process may hold the data dir; when the holder is a
// running `serve` — its pid is the lock's live holder and the pid in <dataDir>/server.json — the
// operations go to that server instead (POST /admin/v1/cli with the data dir's admin token) and it
// runs the same functions with its own database and engine. A serve that is still starting (its
// starting mark, or server.json without a URL yet) is waited for, so that a command neither fails nor
// takes the data dir from under it. Anything else holding the data dir (a worker, a `sync --wait`)
// still answers "in use" (exit 5). On PostgreSQL every process opens the database directly, so
// commands always run locally.
import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import { isErrorCode, isSyncError, SyncError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import { ADMIN_CLI_PATH } from '../server/routes/admin.js';
import { type Config, loadConfig } from './config.js';
import type { GlobalFlags } from './main.js';
import { DEFAULT_REMOTE_TIMEOUT_MS, type OpContext, type Operation, parseArgs } from './ops/context.js';
import { CliError, EXIT } from './output.js';
import { openRuntime, type Runtime } from './runtime.js';
import { isServeStarting, readAdminToken, readServerInfo, removeServerInfo, removeStartingMarks, type ServerInfo, startingServes } from './server-files.js';

export interface Session {
  /** The server the operations are sent to; null when they run in this process. */
  readonly server: (ServerInfo & { url: string }) | null;
  /** Where the tenant API answers (for messages): the server's URL, else this configuration's. */
  readonly apiUrl: string;
  call<A extends z.ZodType, R>(op: Operation<A, R>, args: z.input<A>): Promise<R>;
  /** Makes this process work these connections' queued runs (`sync --wait` locally); a server's own worker does otherwise. */
  work(connectionIds: string[]): Promise<void>;
  /** Waits for the platform writes these connections' pages asked for (eMAG acknowledge), when this process performs them. */
  settle(connectionIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The result as the server would send it: both transports render from the same JSON. */
const asJson = <R>(value: R): R => JSON.parse(JSON.stringify(value)) as R;

/** Operations against a context that is already open (an engine a caller started, a test's database). */
export class ContextSession implements Session {
  readonly server = null;
  constructor(
    protected readonly ctx: OpContext,
    readonly apiUrl = 'http://127.0.0.1:3000',
  ) {}

  protected async engineFor(_kind: Operation['engine']): Promise<Engine | undefined> {
    return this.ctx.engine;
  }

  async call<A extends z.ZodType, R>(op: Operation<A, R>, args: z.input<A>): Promise<R> {
    const engine = await this.engineFor(op.engine);
    return asJson(await op.run({ ...this.ctx, engine }, parseArgs(op, args)));
  }

  async work(_connectionIds: string[]): Promise<void> {
    // The caller started the engine it gave.
  }

  async settle(connectionIds: string[]): Promise<void> {
    for (const id of connectionIds) await this.ctx.engine?.pullWritesIdle(id);
  }

  async close(): Promise<void> {}
}

/** Where a serve with this configuration would answer this machine. */
function configuredUrl(c: Config): string {
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host;
  return `http://${host}:${c.port}`;
}

/** This process opened the database: an engine (and job queue) only for operations that need one. */
class LocalSession extends ContextSession {
  private engine: Engine | undefined;
  private queue: PgBoss | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly opts: { work?: boolean },
  ) {
    super({ db: rt.db, box: rt.box, logger: rt.logger, config: rt.config }, configuredUrl(rt.config));
  }

  protected override async engineFor(kind: Operation['engine']): Promise<Engine | undefined> {
    if (!kind) return undefined;
    if (!this.engine) {
      // Loaded on demand: quick commands (tenants, products) start without the connectors.
      const [{ Engine }, { builtInConnectors }, { OutboundPolicy }, { connectorRegistry }] = await Promise.all([
        import('../engine/engine.js'),
        import('../connectors/index.js'),
        import('../connectors/outbound.js'),
        import('../engine/registry.js'),
      ]);
      const outbound = new OutboundPolicy({ allowedHosts: this.rt.config.allowedHosts });
      this.engine = new Engine({ db: this.rt.db, box: this.rt.box, logger: this.rt.logger, registry: connectorRegistry(builtInConnectors()), outbound });
    }
    if (kind === 'queue' && !this.queue) {
      const { startQueue } = await import('../engine/queue.js');
      // Queue maintenance only where this process works jobs; a command that queues runs just sends them.
      this.queue = await startQueue(this.rt.db, this.rt.logger, { supervise: this.opts.work === true });
      await this.engine.attachQueue(this.queue);
    }
    return this.engine;
  }

  override async work(connectionIds: string[]): Promise<void> {
    const engine = (await this.engineFor('queue'))!;
    await engine.start(this.queue!, { embedded: this.rt.db.driver === 'pglite', onlyConnection: connectionIds });
  }

  override async settle(connectionIds: string[]): Promise<void> {
    for (const id of connectionIds) await this.engine?.pullWritesIdle(id);
  }

  override async close(): Promise<void> {
    await this.engine?.stop();
    await this.queue?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await this.rt.close();
  }
}

/** Operations sent to the `serve` that holds the data dir. */
class RemoteSession implements Session {
  readonly apiUrl: string;
  constructor(
    readonly server: ServerInfo & { url: string },
    private readonly token: string,
  ) {
    this.apiUrl = server.url;
  }

  async call<A extends z.ZodType, R>(op: Operation<A, R>, args: z.input<A>): Promise<R> {
    const timeoutMs = op.remoteTimeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
    const where = `the server holding the data dir (pid ${this.server.pid}, ${this.server.url})`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(new URL(ADMIN_CLI_PATH, this.server.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ operation: op.name, args }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') {
        throw new CliError(`${where} did not answer ${op.name} within ${Math.round(timeoutMs / 1000)} s; it may still complete: check with \`commerce-sync runs\` or the server log`, EXIT.failed);
      }
      throw new CliError(`${where} does not answer (${e.cause?.code ?? e.cause?.message ?? e.message}). If it is stuck, stop it: then commands open the data dir themselves`, EXIT.conflict);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(`${where} answered ${status} with a body that is not JSON`, EXIT.failed);
    }
    if (status >= 200 && status < 300) return body as R;
    throw errorFromEnvelope(status, body);
  }

  async work(): Promise<void> {}
  async settle(): Promise<void> {}
  async close(): Promise<void> {}
}

/** The server's error envelope as the SyncError it was, so exit codes match a local run's. */
function errorFromEnvelope(status: number, body: unknown): Error {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (e && isErrorCode(e.code) && typeof e.message === 'string') {
    const message = e.code === 'unauthorized' ? `the server refused this data dir's admin token: ${e.message}` : e.message;
    return new SyncError(e.code, message, e.details === undefined ? {} : { details: e.details });
  }
  return new CliError(`the server answered ${status} without an error envelope`, EXIT.failed);
}

/** The pid holding the embedded data dir, when `err` is the data dir lock's refusal (store/data-dir.ts). */
export function dataDirHolder(err: unknown): number | undefined {
  const holder = isSyncError(err) && err.code === 'conflict' ? (err.details as { dataDirHolder?: unknown } | undefined)?.dataDirHolder : undefined;
  return typeof holder === 'number' ? holder : undefined;
}

/** How long a command waits for a serve that is starting (opening the database, migrating) to listen. */
export const SERVER_START_WAIT_MS = 60_000;

type Serving = { info: ServerInfo & { url: string }; token: string };

/**
 * The serve of process `pid` once it listens, with the admin token; null when `pid` is not a serve of
 * this data dir (neither server.json nor a starting mark names it) or it does not listen within `waitMs`.
 */
async function awaitServer(config: Config, pid: number, waitMs = SERVER_START_WAIT_MS): Promise<Serving | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    const info = readServerInfo(config.dataDir);
    if (info?.pid === pid && info.url !== null) {
      const token = readAdminToken(config.dataDir);
      return token ? { info: { ...info, url: info.url }, token } : null;
    }
    if (info?.pid !== pid && !isServeStarting(config.dataDir, pid)) return null;
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the database here, or reaches the running server that holds it (see the top of this file). */
export async function openSession(flags: GlobalFlags, opts: { work?: boolean } = {}): Promise<Session> {
  const config = loadConfig(flags);
  if (!config.databaseUrl) {
    // A serve about to take the data dir: wait for it rather than take the data dir from under it.
    for (const pid of startingServes(config.dataDir)) {
      const server = await awaitServer(config, pid);
      if (server) return new RemoteSession(server.info, server.token);
    }
  }
  let rt: Runtime;
  try {
    rt = await openRuntime(flags, { quiet: true });
  } catch (err) {
    const holder = dataDirHolder(err);
    const server = holder === undefined || config.databaseUrl ? null : await awaitServer(config, holder);
    if (!server) throw err;
    return new RemoteSession(server.info, server.token);
  }
  if (rt.db.driver === 'pglite') {
    // This process holds the data dir, so no serve runs on it: what a crashed one left goes.
    removeServerInfo(config.dataDir);
    removeStartingMarks(config.dataDir);
  }
  return new LocalSession(rt, opts);
}

/**
 * openRuntime for the commands that need the database to themselves (serve, worker, migrate,
 * master-key rotate): a running serve is named, with what to do.
 */
export async function openOwnRuntime(flags: Partial<Record<keyof Config, unknown>>, what: string, opts: { quiet?: boolean } = {}): Promise<Runtime> {
  try {
    return await openRuntime(flags, opts);
  } catch (err) {
    const holder = dataDirHolder(err);
    const config = loadConfig(flags);
    // Whether it listens yet or not, a serve holds the data dir.
    if (holder === undefined || config.databaseUrl) throw err;
    const info = readServerInfo(config.dataDir);
    const url = info?.pid === holder ? (info.url ?? 'starting') : isServeStarting(config.dataDir, holder) ? 'starting' : null;
    if (url === null) throw err;
    throw new CliError(`the data dir is in use by the running server (pid ${holder}, ${url}): stop it first, ${what}`, EXIT.conflict);
  }
}
