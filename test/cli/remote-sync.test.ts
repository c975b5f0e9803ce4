// Syncs while `serve` holds the embedded data dir: `sync --wait` and `sync-all` queue the runs in the
// server, its embedded worker executes them, and the command follows them by polling run-status
// through the server, with the same output and exit codes as a local run. Against a Shopify sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';
import { freePort } from '../helpers/cli.js';
import { waitFor } from '../helpers/db.js';
import { runIn, type Serving, startServing } from './serve-process.js';

describe('sync through a running serve', () => {
  const work = mkdtempSync(join(tmpdir(), 'cs-remote-sync-'));
  const dataDir = join(work, 'data');
  const env = { COMMERCE_SYNC_DATA_DIR: dataDir };
  const cli = (...args: string[]) => runIn(args, { cwd: work, env, timeoutMs: 120_000 });
  let sb: ShopifySandbox | undefined;
  let serving: Serving | undefined;
  let variants = 0;
  let apiKey = '';

  beforeAll(async () => {
    sb = await startShopifySandbox({ timeScale: 50 });
    const seeded = sb.seed({ products: 12, variantsPerProduct: 2, orders: 15, linesPerOrder: 2, customers: 6, locations: 2, seed: 7 });
    variants = seeded.variants;
    // The server may call the sandbox (loopback, plain http) as an operator would allow it.
    const port = String(await freePort());
    serving = await startServing(['serve'], { cwd: work, env: { ...env, PORT: port, COMMERCE_SYNC_ALLOWED_HOSTS: new URL(sb.url).host }, dataDir });
    const tenant = await cli('tenants', 'create', 'shop-owner', '--json');
    expect(tenant.code, tenant.stderr).toBe(0);
    apiKey = (JSON.parse(tenant.stdout) as { apiKey: string }).apiKey;
    const settings = JSON.stringify({ shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion: '2026-07' });
    const add = await cli('connections', 'add', '-t', 'shop-owner', '--platform', 'shopify', '--name', 'shop', '--settings', settings, '--credentials', '{"accessToken":"shpat_sandbox"}');
    expect(add.code, add.stderr).toBe(0);
  });
  afterAll(async () => {
    await serving?.stop();
    await sb?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('sync --wait: the server executes the runs, the command follows them and exits 0', async () => {
    const res = await cli('sync', 'shop', '-t', 'shop-owner', '--full', '--wait');
    expect(res.code, res.stderr).toBe(0);
    // One summary line per stream, dependencies first, as a local run prints them.
    expect(res.stdout).toMatch(/^products: succeeded — \d+ read, \d+ added/m);
    expect(res.stdout).toMatch(/^orders: succeeded — 15 read, 15 added/m);
    const products = await cli('products', 'list', '-t', 'shop-owner', '--limit', '500', '--json');
    expect(products.code).toBe(0);
    expect((JSON.parse(products.stdout) as { items: unknown[] }).items).toHaveLength(variants);
    const runs = await cli('runs', '-t', 'shop-owner', '--json');
    const views = JSON.parse(runs.stdout) as { status: string; leaseOwner: string | null }[];
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((v) => v.status === 'succeeded')).toBe(true);
  });

  it('sync without --wait queues in the server; sync-all follows every connection; exit codes match', async () => {
    const queued = await cli('sync', 'shop', '-t', 'shop-owner', '--json');
    expect(queued.code, queued.stderr).toBe(0);
    const { runs } = JSON.parse(queued.stdout) as { runs: { id: string; status: string }[] };
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.status === 'queued')).toBe(true);
    // The server's worker executes them (seen through the tenant API, as any client would).
    await waitFor(async () => {
      const states = await Promise.all(runs.map(async (r) => ((await (await fetch(`${serving!.info.url}/api/v1/runs/${r.id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { status: string }).status));
      return states.every((st) => st === 'succeeded');
    }, 60_000, 'the queued runs to be executed by the server');

    // A connection whose syncs fail (JTL-FFN saved before its OAuth grant: no refresh token): sync-all
    // reports its failed runs and exits 4, after the shop's runs end.
    const ffn = await cli('connections', 'add', '-t', 'shop-owner', '--platform', 'jtl-ffn', '--name', 'ffn', '--settings', '{"warehouseId":"WH01"}', '--credentials', '{"clientId":"c","clientSecret":"s"}');
    expect(ffn.code, ffn.stderr).toBe(0);
    const all = await cli('sync-all', '-t', 'shop-owner');
    expect(all.code, all.stdout + all.stderr).toBe(4);
    expect(all.stdout).toMatch(/^CONNECTION\s+STREAM\s+STATUS/);
    expect(all.stdout).toMatch(/^shop\s+products\s+succeeded\s/m);
    expect(all.stdout).toMatch(/^shop\s+orders\s+succeeded\s/m);
    expect(all.stdout).toMatch(/^ffn\s+products\s+failed\s/m);
  });

  it('once serve stops, the same commands run the syncs in their own process, with the same exit codes', async () => {
    expect(await serving!.stop()).toBe(0);
    const local = { ...env, COMMERCE_SYNC_ALLOWED_HOSTS: new URL(sb!.url).host };
    const res = await runIn(['sync', 'shop', '-t', 'shop-owner', '--wait'], { cwd: work, env: local, timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^products: succeeded — \d+ read/m);
    const all = await runIn(['sync-all', '-t', 'shop-owner', '--json'], { cwd: work, env: local, timeoutMs: 120_000 });
    expect(all.code, all.stderr).toBe(4);
    const body = JSON.parse(all.stdout) as { connections: { connection: string; runs: { status: string }[]; error: { code: string } | null }[] };
    expect(body.connections.map((c) => [c.connection, c.runs.every((r) => r.status === 'succeeded'), c.error?.code ?? null])).toEqual([
      ['shop', true, null],
      ['ffn', false, null],
    ]);
  });
});
