// The README's quick start, run as written on the embedded default: `npx commerce-sync serve` in one
// process, then the commands of the "in another terminal" block and the `connections add` example from
// other processes while it runs (the issue: they were refused because serve held the data dir). Only
// `npx commerce-sync` is replaced by the project's CLI entry, the data dir and port by fresh ones.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, readServerInfo, SERVER_FILE, writeServerInfo } from '../../src/cli/server-files.js';
import { freePort, REPO_ROOT } from '../helpers/cli.js';
import { runIn, type Serving, startServing } from './serve-process.js';

/** Shell words of one command line: quotes and backslash escapes as sh reads them, a comment dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const end = line.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === '#' && word === null) {
      break;
    } else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

/** The shell code blocks of the README's "Quick start" section, each as its commands' words. */
function quickStartBlocks(): { before: string; commands: string[][] }[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Quick start');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks: { before: string; commands: string[][] }[] = [];
  let last = 0;
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = m[1]!.replace(/\\\n/g, ' ').split('\n');
    blocks.push({ before: section.slice(last, m.index), commands: lines.map(shellWords).filter((w) => w.length > 0) });
    last = m.index! + m[0].length;
  }
  return blocks;
}

const isCli = (words: string[]) => words[0] === 'npx' && words[1] === 'commerce-sync';

describe('README quick start, as written, on the embedded default', () => {
  const blocks = quickStartBlocks();
  const serveBlock = blocks.find((b) => b.commands.some((c) => isCli(c) && c[2] === 'serve'));
  const otherTerminal = blocks.find((b) => /in another terminal/i.test(b.before));
  const addExample = blocks.find((b) => b.commands.some((c) => isCli(c) && c[2] === 'connections' && c[3] === 'add'));

  const work = mkdtempSync(join(tmpdir(), 'cs-quick-start-'));
  const dataDir = join(work, 'data');
  const env = { COMMERCE_SYNC_DATA_DIR: dataDir };
  const cli = (words: string[]) => runIn(isCli(words) ? words.slice(2) : words, { cwd: work, env });
  let serving: Serving | undefined;

  beforeAll(async () => {
    // The file the README's `connections add` example reads, in the directory it runs in.
    writeFileSync(join(work, 'shopify-credentials.json'), JSON.stringify({ accessToken: 'shpat_quick_start_secret' }));
    const serve = serveBlock!.commands.find(isCli)!;
    serving = await startServing(serve.slice(2), { cwd: work, env: { ...env, PORT: String(await freePort()) }, dataDir });
  });
  afterAll(async () => {
    await serving?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds the commands in the README', () => {
    expect(serveBlock?.commands).toEqual([['npx', 'commerce-sync', 'serve']]);
    expect(otherTerminal?.commands.map((c) => c.slice(0, 4))).toEqual([['npx', 'commerce-sync', 'tenants', 'create'], ['curl', '-H', 'Authorization: Bearer <key>', expect.stringMatching(/^http:\/\/127\.0\.0\.1:3000\/api\/v1\//)]]);
    expect(addExample?.commands).toHaveLength(1);
  });

  it('runs every command while serve runs: each exits 0, and the API key printed works against the server', async () => {
    const url = serving!.info.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    let key = '';
    for (const words of otherTerminal!.commands) {
      if (isCli(words)) {
        const res = await cli(words);
        expect(res.code, `${words.join(' ')}\n${res.stderr}`).toBe(0);
        key = /API key \(shown only once.*\n\n\s+(csk_\S+)/.exec(res.stdout)?.[1] ?? key;
        expect(res.stdout).toContain(`${url}/api/v1/connections`);
        continue;
      }
      // curl -H "Authorization: Bearer <key>" http://127.0.0.1:3000/api/v1/...: the same request with fetch.
      const header = words[words.indexOf('-H') + 1]!;
      const target = new URL(words[words.length - 1]!);
      expect(key).toMatch(/^csk_/);
      const [name, value] = header.replace('<key>', key).split(/:\s*/);
      const res = await fetch(`${url}${target.pathname}`, { headers: { [name!]: value! } });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({ items: [], nextCursor: null });
    }

    const add = await cli(addExample!.commands[0]!);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^Added shopify connection "shop" \([0-9a-f-]{36}\)\.\n$/);
    const list = await cli(['npx', 'commerce-sync', 'connections', 'list', '-t', 'acme']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/\n[0-9a-f-]{36}\s+shopify\s+shop\s+active\s/);
    expect(list.stdout).not.toContain('shpat_quick_start_secret');
    const products = await cli(['npx', 'commerce-sync', 'products', 'list', '-t', 'acme']);
    expect(products.code, products.stderr).toBe(0);
    expect(products.stdout).toBe('(none)\n');

    // A hub edit from the CLI while serve runs: create, edit on the version read, a stale edit refused.
    const created = await cli(['npx', 'commerce-sync', 'products', 'create', '-t', 'acme', '--sku', 'QS-TEE', '--name', 'Quick start tee', '--price', '19.90', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const product = JSON.parse(created.stdout) as { id: string; version: number };
    expect(product.version).toBe(1);
    const edited = await cli(['npx', 'commerce-sync', 'products', 'edit', product.id, '-t', 'acme', '--price', '24.90', '--fields', '{"tags":["summer"]}', '--if-version', '1']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/\nversion:\s+2\n/);
    const stale = await cli(['npx', 'commerce-sync', 'products', 'edit', product.id, '-t', 'acme', '--name', 'Lost edit', '--if-version', '1']);
    expect(stale.code).toBe(5);
    expect(stale.stderr).toMatch(/version 2, not 1/);
    const shown = await fetch(`${url}/api/v1/products/${product.id}`, { headers: { authorization: `Bearer ${key}` } });
    const detail = (await shown.json()) as { name: string; version: number; fields: Record<string, unknown>; fieldMeta: Record<string, { origin: string }> };
    expect([detail.name, detail.version, detail.fields.price, detail.fields.tags]).toEqual(['Quick start tee', 2, '24.90', ['summer']]);
    expect(detail.fieldMeta.price?.origin).toBe('hub');

    // What the CLI wrote through the server is what the API shows.
    const api = await fetch(`${url}/api/v1/connections`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await api.json()) as { items: { name: string; hasCredentials: boolean }[] }).items).toEqual([expect.objectContaining({ name: 'shop', hasCredentials: true })]);
  });

  it('keeps the admin token private, refuses a wrong one (401), and says so when a command holds one', async () => {
    const tokenFile = join(dataDir, ADMIN_TOKEN_FILE);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const file of [tokenFile, join(dataDir, SERVER_FILE)]) expect(statSync(file).mode & 0o777).toBe(0o600);
    const post = (authorization?: string) =>
      fetch(`${serving!.info.url}/admin/v1/cli`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ operation: 'tenants-list', args: {} }),
      });
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${token.slice(0, -1)}`]) {
      const res = await post(auth);
      expect(res.status, String(auth)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await post(`Bearer ${token}`)).status).toBe(200);

    writeFileSync(tokenFile, 'not-the-token\n');
    try {
      const res = await cli(['npx', 'commerce-sync', 'tenants', 'list']);
      expect(res.code).toBe(4);
      expect(res.stderr).toMatch(/the server refused this data dir's admin token: invalid admin token/);
    } finally {
      writeFileSync(tokenFile, token + '\n');
    }
  });

  it('names the server and exits 5 when the server holding the data dir does not answer', async () => {
    const info = readServerInfo(dataDir)!;
    // The holder is alive (it is the running serve), but the address it left does not answer.
    writeServerInfo(dataDir, { ...info, url: `http://127.0.0.1:${await freePort()}` });
    try {
      const res = await cli(['npx', 'commerce-sync', 'tenants', 'list']);
      expect(res.code).toBe(5);
      expect(res.stderr).toMatch(new RegExp(`the server holding the data dir \\(pid ${info.pid}, http://127\\.0\\.0\\.1:\\d+\\) does not answer \\(ECONNREFUSED\\)`));
    } finally {
      writeServerInfo(dataDir, info);
    }
  });

  it('after serve stops, and with a stale server.json of a dead process, commands open the data dir themselves', async () => {
    const { info } = serving!;
    expect(await serving!.stop()).toBe(0);
    expect(existsSync(join(dataDir, SERVER_FILE))).toBe(false);
    // What a crash leaves: server.json of a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.status).toBe(0);
    writeServerInfo(dataDir, { pid: dead.pid!, url: info.url, startedAt: info.startedAt });
    const res = await cli(['npx', 'commerce-sync', 'tenants', 'list', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as { name: string }[]).map((t) => t.name)).toEqual(['acme']);
    // The command held the data dir, so no server can have been running: the stale file is gone.
    expect(existsSync(join(dataDir, SERVER_FILE))).toBe(false);
  });

  it('a command started while serve is still starting waits for it and runs there; the admin token is kept across restarts', async () => {
    const token = readFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'utf8');
    let early: Awaited<ReturnType<typeof cli>> | undefined;
    serving = await startServing(['serve'], {
      cwd: work,
      env: { ...env, PORT: String(await freePort()) },
      dataDir,
      whileStarting: async () => void (early = await cli(['npx', 'commerce-sync', 'tenants', 'list', '--json'])),
    });
    expect(early?.code, early?.stderr).toBe(0);
    expect((JSON.parse(early!.stdout) as { name: string }[]).map((t) => t.name)).toEqual(['acme']);
    expect(readFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).toBe(token);
    expect(await serving.stop()).toBe(0);
  });
});
