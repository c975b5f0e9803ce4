// The `commerce-sync` command as a user runs it: exit codes, --json output, secrets handling.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WaitAborted, waitFor } from '../helpers/db.js';
import { freePort, runCli, startCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
const env = { COMMERCE_SYNC_DATA_DIR: dataDir };

describe('commerce-sync CLI', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints help (exit 0) and rejects unknown commands (exit 2)', async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const cmd of ['migrate', 'serve', 'tenants', 'connections']) expect(help.stdout).toContain(cmd);
    const bad = await runCli(['frobnicate'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command/);
  });

  it('creates a tenant, prints its key once, and keeps the generated master key private', async () => {
    const res = await runCli(['tenants', 'create', 'acme', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.apiKey).toMatch(/^csk_[A-Za-z0-9_-]{32}$/);
    expect(out.name).toBe('acme');
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const list = await runCli(['tenants', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).map((t: { name: string }) => t.name)).toEqual(['acme']);
    expect(list.stdout).not.toContain(out.apiKey);
  });

  it('adds and lists connections with meaningful exit codes', async () => {
    const credsFile = join(dataDir, 'creds.json');
    writeFileSync(credsFile, JSON.stringify({ username: 'seller', password: 'p4ss-w0rd-secret' }));
    const args = ['connections', 'add', '-t', 'acme', '--platform', 'emag', '--name', 'emag-main', '--settings', '{"account":"main"}'];
    const ok = await runCli([...args, '--credentials', `@${credsFile}`, '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ platform: 'emag', name: 'emag-main', hasCredentials: true });
    expect(ok.stdout).not.toContain('p4ss-w0rd-secret');

    const dup = await runCli([...args, '--credentials', '-'], env, JSON.stringify({ username: 'x', password: 'y' }));
    expect(dup.code).toBe(5);
    expect(dup.stderr).toMatch(/already exists/);

    const invalid = await runCli(['connections', 'add', '-t', 'acme', '--platform', 'emag', '--name', 'bad', '--credentials', '{"username":"x"}'], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/credentials\.password/);
    expect(invalid.stderr).toMatch(/settings\.account/);

    const unknownTenant = await runCli([...args.slice(0, 3), 'nobody', ...args.slice(4), '--credentials', '{}'], env);
    expect(unknownTenant.code).toBe(2);

    const list = await runCli(['connections', 'list', '-t', 'acme', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((c: { name: string }) => c.name)).toEqual(['emag-main']);
    expect(list.stdout).not.toContain('p4ss-w0rd-secret');
  });

  it('sync of a JTL-FFN connection saved before its OAuth grant fails (exit 4) and marks it needs_reauth with a clear message', async () => {
    const add = await runCli(['connections', 'add', '-t', 'acme', '--platform', 'jtl-ffn', '--name', 'ffn', '--settings', '{"warehouseId":"WH01"}', '--credentials', '-'], env,
      JSON.stringify({ clientId: 'client', clientSecret: 'secret' }));
    expect(add.code, add.stderr).toBe(0);
    const res = await runCli(['sync', 'ffn', '-t', 'acme', '--wait'], env);
    expect(res.code, res.stdout + res.stderr).toBe(4);
    expect(res.stdout + res.stderr).toMatch(/no refresh token/);
    const list = await runCli(['connections', 'list', '-t', 'acme', '--json'], env);
    const ffn = (JSON.parse(list.stdout) as { name: string; status: string; statusReason: string }[]).find((c) => c.name === 'ffn')!;
    expect(ffn.status).toBe('needs_reauth');
    expect(ffn.statusReason).toMatch(/no refresh token: complete the OAuth authorization/);
  });

  it('reads hub data in this process when no server holds the data dir', async () => {
    const products = await runCli(['products', 'list', '-t', 'acme', '--json'], env);
    expect(products.code, products.stderr).toBe(0);
    expect(JSON.parse(products.stdout)).toEqual({ items: [], nextCursor: null });
    const missing = await runCli(['orders', 'show', '00000000-0000-4000-8000-000000000000', '-t', 'acme'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/order 00000000-0000-4000-8000-000000000000 not found/);
  });

  it('refuses to serve on PostgreSQL without a master key, with a clear message', async () => {
    const res = await runCli(['serve'], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/COMMERCE_SYNC_MASTER_KEY is required when DATABASE_URL is set/);
  });

  it('rejects invalid configuration with the variable to fix', async () => {
    const res = await runCli(['migrate'], { ...env, PORT: 'eighty' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/port \(PORT\)/);
  });

  it('serves: /readyz answers, and SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const child = startCli(['serve', '--port', String(port)], env);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r((exitCode = code))));
    try {
      const body = await waitFor(async () => {
        if (exitCode !== undefined) throw new WaitAborted(`serve exited with ${exitCode}: ${stderr}`);
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        return r.ok ? r.json() : null;
      }, 30_000, 'the server to be ready');
      expect(body).toMatchObject({ status: 'ready', checks: { database: 'ok', schema: 'ok', queue: 'ok' } });
      const unauth = await fetch(`http://127.0.0.1:${port}/api/v1/connections`);
      expect(unauth.status).toBe(401);
      // The embedded data dir has one owner: other commands run inside the server, and commands that
      // need the database to themselves are refused, clearly, and nothing breaks.
      const second = await runCli(['tenants', 'list', '--json'], env);
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout).map((t: { name: string }) => t.name)).toEqual(['acme']);
      const worker = await runCli(['worker'], env);
      expect(worker.code).toBe(5);
      expect(worker.stderr).toMatch(/in use by the running server \(pid \d+, http:\/\/127\.0\.0\.1:\d+\): stop it first/);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    }
  });
});
