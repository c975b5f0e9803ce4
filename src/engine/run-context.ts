// Everything a connector needs to talk to its platform for one run (or one dead-letter retry):
// the connection's validated config, its shared limiter, and an HTTP client bound to the run's
// abort signal and retry budget.
import { createHttpClient } from '../connectors/http.js';
import type { OutboundPolicy } from '../connectors/outbound.js';
import type { Ctx, HttpClient } from '../connectors/types.js';
import { SyncError } from '../core/errors.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Db } from '../store/db.js';
import { loadConnectionSecrets, updateConnection } from '../store/connections.js';
import { accessTokenHeaders } from './oauth-tokens.js';
import { httpThrottledTotal, rateLimitWaitsTotal } from './metrics.js';
import type { EnqueueOptions } from './product-pushes.js';
import type { AnyConnector, ConnectorRegistry, LimiterRegistry } from './registry.js';

export interface EngineLogger {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/**
 * `logger` with `bindings` on every line it writes: a pino child where the logger is pino (the
 * process logger), else a wrapper. A run binds its runId and connectionId once (pull.ts), so its own
 * lines, the connector's (ctx.log) and the HTTP client's hooks all carry them.
 */
export function withBindings(logger: EngineLogger, bindings: Record<string, unknown>): EngineLogger {
  const child = (logger as EngineLogger & { child?: (b: object) => EngineLogger }).child;
  if (typeof child === 'function') return child.call(logger, bindings);
  const at = (level: keyof EngineLogger) => (o: object, m?: string) => logger[level]({ ...bindings, ...o }, m);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface ContextDeps {
  db: Db;
  box: SecretBox;
  registry: ConnectorRegistry;
  limiters: LimiterRegistry;
  logger: EngineLogger;
  http?: { timeoutMs?: number; backoff?: { baseMs: number; capMs: number } };
  /** Hosts connectors may call beyond public https ones (sandboxes, staging); default none. */
  outbound?: OutboundPolicy;
  /**
   * Told after a page's transaction committed with platform writes (PageResult.writes) in it, so that
   * they are performed (pull-writes.ts) as their own job, never inside the page read.
   */
  onPullWrites?(tenantId: string, connectionId: string): void;
  /**
   * Queues pushes of changed hub products to their other linked platforms (the engine's outbox,
   * product-pushes.ts); call it after the commit that changed them.
   */
  enqueueProductPushes?(tenantId: string, productIds: string[], opts?: EnqueueOptions): Promise<unknown>;
}

export interface LoadedConnection {
  id: string;
  tenantId: string;
  platform: string;
  status: string;
  connector: AnyConnector;
  config: unknown;
}

export async function loadConnectionForSync(deps: ContextDeps, tenantId: string, connectionId: string): Promise<LoadedConnection> {
  const loaded = await deps.db.withTenant(tenantId, async (tx) => {
    const { rows } = await tx.query<{ platform: string; status: string; settings: Record<string, unknown> }>(
      'SELECT platform, status, settings FROM connections WHERE tenant_id = $1 AND id = $2',
      [tenantId, connectionId],
    );
    const secrets = rows[0] ? await loadConnectionSecrets(tx, deps.box, tenantId, connectionId) : null;
    return rows[0] && secrets ? { ...rows[0], credentials: secrets.credentials } : null;
  });
  if (!loaded) throw new SyncError('not_found', `connection ${connectionId} not found`);
  if (loaded.status === 'disabled') throw new SyncError('connection_unusable', 'the connection is disabled');
  const connector = deps.registry.get(loaded.platform);
  if (!connector) throw new SyncError('connection_unusable', `no connector is available for platform ${loaded.platform}`);
  const parsed = connector.config.safeParse({ ...loaded.settings, ...loaded.credentials });
  if (!parsed.success) {
    throw new SyncError('connection_unusable', `connection configuration is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { id: connectionId, tenantId, platform: loaded.platform, status: loaded.status, connector, config: parsed.data };
}

export interface HttpHooks {
  onRateLimited?: (untilMs: number) => void;
  onRetry?: (info: { attempt: number; error: SyncError; delayMs: number }) => void;
}

export function buildCtx(
  deps: ContextDeps,
  conn: LoadedConnection,
  run: { signal: AbortSignal; budget: RetryBudget; startedAt: Date; hooks?: HttpHooks },
): Ctx<unknown> & { http: HttpClient } {
  const c = conn.connector;
  const limiter = deps.limiters.limiterFor({ db: deps.db, connector: c, config: conn.config, onError: (err) => deps.logger.warn({ err }, 'shared rate-limit update failed') });
  const http = createHttpClient({
    baseUrl: c.baseUrl(conn.config),
    limiter,
    defaultHeaders: c.defaultHeaders?.(conn.config),
    timeoutMs: deps.http?.timeoutMs,
    backoff: deps.http?.backoff,
    outbound: deps.outbound,
    signal: run.signal,
    budget: run.budget,
    classify: c.classify?.bind(c),
    observeRateLimit: c.observeRateLimit?.bind(c),
    // Every platform call of the engine goes through here: the rate-limit metrics are counted once, per platform.
    onRateLimited: (untilMs) => {
      rateLimitWaitsTotal.inc({ platform: conn.platform });
      run.hooks?.onRateLimited?.(untilMs);
    },
    onThrottled: () => httpThrottledTotal.inc({ platform: conn.platform }),
    onRetry: run.hooks?.onRetry,
    ...(c.oauth ? { authorize: (rejected?: string) => accessTokenHeaders({ deps, conn, oauth: c.oauth!, signal: run.signal }, rejected) } : {}),
    onAuthError: (err) => {
      // Credentials were refused: no retry, and the connection says so until someone fixes it.
      void deps.db
        .withTenant(conn.tenantId, (tx) =>
          updateConnection(tx, deps.box, conn.tenantId, conn.id, { status: 'needs_reauth', statusReason: err.message }),
        )
        .catch(() => undefined);
    },
  });
  return { config: conn.config, http, signal: run.signal, runStartedAt: run.startedAt, log: deps.logger };
}
