// JTL-FFN's single-use, rotating refresh tokens shared by several processes on one PostgreSQL database
// (engine/oauth-tokens.ts, whose header comment is the design):
//   - 5 processes force refreshes at once, 200 times over: the lease on the connection row lets exactly
//     one of them spend the stored refresh token at a time, so the sandbox sees no reuse and the connection
//     stays active; every refresh the sandbox answered is stored (token_refreshes equals its count), and the
//     stored refresh token is the live one;
//   - a control: two raw concurrent refreshes with one token do make the sandbox count a reuse, so the zero
//     above is a real measurement;
//   - a process killed (SIGKILL) after the sandbox rotated the token but before the answer was stored leaves
//     the marker (token_refresh_started_at); once its lease has run out, the next refresh tries the stored,
//     spent token once, is refused, and the connection needs re-authorization with a message saying a
//     refresh was interrupted; nothing is retried; a new authorization makes it work again.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jtlConnector } from '../../src/connectors/jtl-ffn/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { accessToken, clearTokenCache, type TokenSourceOptions } from '../../src/engine/oauth-tokens.js';
import { type JtlFfnSandbox, startJtlFfnSandbox } from '../../src/sandbox/jtl-ffn/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection, loadConnectionSecrets, updateConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb, waitFor, WaitAborted } from '../helpers/db.js';
import { jtlConnectionConfig } from '../helpers/jtl-ffn.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

const CHILD = fileURLToPath(new URL('./fixtures/jtl-token-child.ts', import.meta.url));
const PROCESSES = 5;
const CALLS = 40;

interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string;
  code: number | null | undefined;
  exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const child: Child = { proc, lines: [], stderr: '', code: undefined, exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
  void child.exited.then((code) => (child.code = code));
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      child.lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  proc.stderr!.on('data', (d) => (child.stderr += d));
  return child;
}

const hasEvent = (c: Child, event: string) => c.lines.some((l) => l.event === event);

describe('JTL-FFN refresh tokens shared by processes (PostgreSQL)', () => {
  let t: TestDb;
  let key: string;
  let box: SecretBox;
  let tenantId: string;
  const sandboxes: JtlFfnSandbox[] = [];
  const children: Child[] = [];
  const logger = createLogger({ level: 'silent' });

  beforeAll(async () => {
    t = await createTestDb();
    expect(t.url, 'this suite needs PostgreSQL (npm run test:pg)').toBeTruthy();
    key = generateMasterKey();
    box = new SecretBox(parseMasterKey(key));
    tenantId = (await t.db.transaction((tx) => createTenant(tx, 'jtl-tokens'))).tenant.id;
  });
  afterAll(async () => {
    for (const c of children) if (c.code === undefined) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    for (const sb of sandboxes) await sb.close();
    await t?.cleanup();
  });

  async function sandbox(refreshDelayMs: number): Promise<JtlFfnSandbox> {
    const sb = await startJtlFfnSandbox({ refreshDelayMs });
    sandboxes.push(sb);
    return sb;
  }

  /** A JTL connection to `sb`, authorized with a refresh token the sandbox issued; the token source's options for it. */
  async function connection(sb: JtlFfnSandbox, name: string): Promise<{ id: string; opts: TokenSourceOptions }> {
    const config = jtlConnectionConfig(sb);
    const conn = await t.db.withTenant(tenantId, (tx) => insertConnection(tx, box, { tenantId, platform: 'jtl-ffn', name, ...config }));
    const opts: TokenSourceOptions = {
      deps: { db: t.db, box, outbound: SANDBOX_OUTBOUND, logger },
      conn: { tenantId, id: conn.id, config: jtlConnector.config.parse({ ...config.settings, ...config.credentials }) },
      oauth: jtlConnector.oauth!,
      signal: new AbortController().signal,
    };
    return { id: conn.id, opts };
  }

  async function row(id: string) {
    const { rows } = await t.db.query<{
      status: string; status_reason: string | null; token_refreshes: string; token_lease_by: string | null;
      lease_active: boolean; token_refresh_started_at: string | null;
    }>(
      `SELECT status, status_reason, token_refreshes::text, token_lease_by, coalesce(token_lease_until > now(), false) AS lease_active,
              token_refresh_started_at::text FROM connections WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  }

  const credentials = async (id: string) => (await t.db.withTenant(tenantId, (tx) => loadConnectionSecrets(tx, box, tenantId, id)))!.credentials;

  const childEnv = (sb: JtlFfnSandbox, connectionId: string, extra: Record<string, string> = {}) => ({
    CS_DATABASE_URL: t.url!, CS_MASTER_KEY: key, CS_TENANT: tenantId, CS_CONNECTION: connectionId, CS_API_URL: sb.url, CS_CALLS: String(CALLS), ...extra,
  });

  const refreshRaw = (sb: JtlFfnSandbox, refreshToken: string) =>
    fetch(`${sb.oauthUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${sb.clientId}:${sb.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  it('control: two raw concurrent refreshes with one token make the sandbox count a reuse', async () => {
    const sb = await sandbox(20);
    const token = sb.issueRefreshToken();
    const answers = await Promise.all([refreshRaw(sb, token), refreshRaw(sb, token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    expect(answers.find((a) => a.status === 401)!.body.error).toBe('invalid_grant');
    expect(sb.tokenStats()).toMatchObject({ refreshes: 1, refreshTokenReuses: 1, invalidGrants: 1 });
  });

  it('5 processes force refreshes concurrently, 200 times over: zero refresh-token reuses, zero needs_reauth', async () => {
    const started = Date.now();
    // A few ms between spending the old token and answering widens every race window.
    const sb = await sandbox(5);
    const { id, opts } = await connection(sb, 'jtl-many');
    const workers = Array.from({ length: PROCESSES }, () => startChild(childEnv(sb, id)));
    children.push(...workers);
    const died = () => {
      const dead = workers.find((w) => w.code !== undefined && !hasEvent(w, 'done'));
      if (dead) throw new WaitAborted(`a child exited with ${dead.code}: ${JSON.stringify(dead.lines.at(-1))} ${dead.stderr}`);
    };
    await waitFor(() => (died(), workers.every((w) => hasEvent(w, 'ready'))), 30_000, 'the children to load the connection');
    // Released together: each of them has its connection and database pool ready.
    for (const w of workers) w.proc.stdin!.end('go\n');
    const codes = await waitFor(async () => {
      died();
      return workers.every((w) => w.code !== undefined) ? workers.map((w) => w.code) : null;
    }, 40_000, 'the children to finish');
    expect(codes, workers.map((w) => w.stderr).join('\n')).toEqual(Array(PROCESSES).fill(0));
    const done = workers.map((w) => w.lines.find((l) => l.event === 'done')!);
    expect(done.every((d) => d.calls === CALLS)).toBe(true);

    const stats = sb.tokenStats();
    const r = await row(id);
    console.log('5 processes x 40 forced refreshes:', JSON.stringify({
      stats, tokenRefreshes: r.token_refreshes, distinctTokensPerChild: done.map((d) => d.distinctTokens), seconds: (Date.now() - started) / 1000,
    }));
    expect(stats.refreshTokenReuses).toBe(0);
    expect(stats.invalidGrants).toBe(0);
    expect(r.status).toBe('active');
    expect(r.status_reason).toBeNull();
    expect(Number(r.token_refreshes)).toBeGreaterThan(0);
    // Every refresh the sandbox answered was stored: none received and lost.
    expect(Number(r.token_refreshes)).toBe(stats.refreshes);
    // Contended for real: more refreshes than one process's calls (each child forced CALLS of them).
    expect(stats.refreshes).toBeGreaterThanOrEqual(CALLS);
    expect(r.token_refresh_started_at).toBeNull();
    expect(r.lease_active).toBe(false);

    // The stored refresh token is the live one (the last the sandbox issued): a forced refresh from this
    // process spends it successfully, and the one it stores in turn differs.
    const before = await credentials(id);
    expect(typeof before.refreshToken).toBe('string');
    clearTokenCache();
    const fresh = await accessToken(opts, before.accessToken as string);
    expect(fresh).not.toBe(before.accessToken);
    expect(sb.tokenStats()).toMatchObject({ refreshes: stats.refreshes + 1, refreshTokenReuses: 0, invalidGrants: 0 });
    const after = await credentials(id);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).toBe(fresh);
    expect(Number((await row(id)).token_refreshes)).toBe(stats.refreshes + 1);
    const res = await fetch(`${sb.url}/v1/merchant/products?$top=1`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(res.status).toBe(200);
  }, 60_000);

  it('a kill -9 between receiving a new refresh token and persisting it: needs_reauth once the lease runs out, no retry loop', async () => {
    // The sandbox spends the old refresh token as the request arrives and only then waits refreshDelayMs
    // before answering (src/sandbox/jtl-ffn/oauth.ts), so a process killed during the wait has had its
    // token rotated by the platform and never gets to store the new one.
    const sb = await sandbox(30_000);
    const { id, opts } = await connection(sb, 'jtl-killed');
    const issued = (await credentials(id)).refreshToken;
    const victim = startChild(childEnv(sb, id, { CS_MODE: 'once' }));
    children.push(victim);
    await waitFor(() => {
      if (victim.code !== undefined) throw new WaitAborted(`the child exited with ${victim.code}: ${victim.stderr}`);
      return sb.tokenStats().refreshes === 1;
    }, 30_000, 'the sandbox to rotate the token for the child');
    victim.proc.kill('SIGKILL');
    expect(await victim.exited).toBeNull();
    expect(hasEvent(victim, 'token')).toBe(false);
    // Later refreshes are answered at once (the option is read per request): the test need not wait 30 s each.
    sb.runtime.options.refreshDelayMs = 0;

    const killed = await row(id);
    expect(killed.status).toBe('active');
    expect(killed.token_refresh_started_at).not.toBeNull();
    expect(killed.token_lease_by).not.toBeNull();
    expect(killed.lease_active).toBe(true);
    expect(killed.token_refreshes).toBe('0');
    expect((await credentials(id)).refreshToken).toBe(issued);

    // While the dead process's lease lasts, the test process would wait for it (up to REFRESH_LEASE_MS,
    // 60 s). Rather than wait that long, the lease is made to run out now, as it would 60 s after it was
    // taken; the marker stays set.
    await t.db.query('UPDATE connections SET token_lease_until = now() WHERE id = $1', [id]);
    clearTokenCache();
    const tokenCalls = sb.requestLog().filter((e) => e.path.startsWith('/oauth/token')).length;
    const err = await accessToken(opts).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'upstream_auth' });
    expect(String((err as Error).message)).toMatch(/was interrupted/);
    // The stored token was tried exactly once, refused as a reuse, and not tried again.
    expect(sb.tokenStats()).toMatchObject({ refreshes: 1, refreshTokenReuses: 1, invalidGrants: 1 });
    expect(sb.requestLog().filter((e) => e.path.startsWith('/oauth/token')).length).toBe(tokenCalls + 1);
    const refused = await row(id);
    expect(refused.status).toBe('needs_reauth');
    expect(refused.status_reason).toMatch(/was interrupted/);
    expect(refused.lease_active).toBe(false);

    // Authorized again: a new refresh token in the credentials, the connection active.
    const creds = await credentials(id);
    await t.db.withTenant(tenantId, (tx) => updateConnection(tx, box, tenantId, id, { credentials: { ...creds, refreshToken: sb.issueRefreshToken() }, status: 'active', statusReason: null }));
    clearTokenCache();
    const token = await accessToken(opts);
    const res = await fetch(`${sb.url}/v1/merchant/products?$top=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(sb.tokenStats()).toMatchObject({ refreshes: 2, refreshTokenReuses: 1, invalidGrants: 1 });
    const healed = await row(id);
    expect(healed).toMatchObject({ status: 'active', token_refreshes: '1', token_refresh_started_at: null, lease_active: false });
  }, 60_000);
});
