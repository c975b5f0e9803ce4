// An engine wired to the JTL-FFN sandbox: fresh database, tenant, one JTL connection authorized with a
// refresh token the sandbox issued (as after the authorization-code grant), and its token lifecycle run
// by the engine (engine/oauth-tokens.ts).
import { jtlConnector } from '../../src/connectors/jtl-ffn/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { clearTokenCache } from '../../src/engine/oauth-tokens.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import type { RunRow } from '../../src/engine/runs.js';
import { startJtlFfnSandbox, type JtlFfnSandbox, type JtlFfnSandboxOptions } from '../../src/sandbox/jtl-ffn/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from './db.js';
import { SANDBOX_OUTBOUND } from './outbound.js';

export interface JtlHarness {
  t: TestDb;
  sb: JtlFfnSandbox;
  box: SecretBox;
  engine: Engine;
  tenantId: string;
  connectionId: string;
  sync(mode?: 'full' | 'incremental', streams?: string[]): Promise<RunRow[]>;
  connection(): Promise<{ status: string; status_reason: string | null; token_refreshes: string }>;
  close(): Promise<void>;
}

/** Settings and credentials of a connection to `sb`. */
export function jtlConnectionConfig(sb: JtlFfnSandbox, settings: Record<string, unknown> = {}) {
  return {
    settings: { baseUrl: sb.url, oauthUrl: sb.oauthUrl, ...settings },
    credentials: { clientId: sb.clientId, clientSecret: sb.clientSecret, refreshToken: sb.issueRefreshToken() },
  };
}

export async function createJtlHarness(opts: {
  sandbox?: JtlFfnSandboxOptions; settings?: Record<string, unknown>; engine?: Partial<EngineOptions>; db?: TestDb; sb?: JtlFfnSandbox;
} = {}): Promise<JtlHarness> {
  clearTokenCache();
  const t = opts.db ?? (await createTestDb());
  const sb = opts.sb ?? (await startJtlFfnSandbox({ ...opts.sandbox }));
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'jtl'));
  const config = jtlConnectionConfig(sb, opts.settings);
  const conn = await t.db.withTenant(tenant.id, (tx) => insertConnection(tx, box, { tenantId: tenant.id, platform: 'jtl-ffn', name: 'jtl', ...config }));
  const engine = new Engine({
    db: t.db, box, logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry: connectorRegistry([jtlConnector]), http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 100 } }, outbound: SANDBOX_OUTBOUND, ...opts.engine,
  });
  return {
    t, sb, box, engine, tenantId: tenant.id, connectionId: conn.id,
    async sync(mode = 'incremental', streams) {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, mode, streams, trigger: 'cli', force: true });
      const out: RunRow[] = [];
      for (const run of res.created) out.push((await engine.execute(tenant.id, run.id))!);
      return out;
    },
    async connection() {
      const { rows } = await t.db.query<{ status: string; status_reason: string | null; token_refreshes: string }>(
        'SELECT status, status_reason, token_refreshes::text FROM connections WHERE id = $1', [conn.id]);
      return rows[0]!;
    },
    async close() {
      await engine.stop();
      if (!opts.sb) await sb.close();
      if (!opts.db) await t.cleanup();
    },
  };
}
