// What `npm run demo` shows a new user when its output is not a terminal (issue 14): each step as it
// starts, plain progress lines during the sync (bars draw nothing useful into a pipe), a summary that
// says what each number counts, and commands to try that work on the demo's data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressLines } from '../../src/cli/progress-lines.js';
import { runCli, startCli } from '../helpers/cli.js';

/** Runs the demo with small sizes and records each stdout line with the number of the chunk it came in. */
async function runDemo(dataDir: string): Promise<{ code: number | null; lines: { text: string; chunk: number }[]; stderr: string }> {
  const child = startCli(['--data-dir', dataDir, 'demo', '--port', '0', '--products', '20', '--orders', '30', '--customers', '10', '--exit-after-sync']);
  const lines: { text: string; chunk: number }[] = [];
  let chunk = 0;
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    chunk++;
    const parts = (partial + String(d)).split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ text, chunk });
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not exit within 150 s:\n${lines.map((l) => l.text).join('\n')}\n${stderr}`));
    }, 150_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (partial) lines.push({ text: partial, chunk });
  return { code, lines, stderr };
}

describe('demo output without a terminal', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'cs-demo-')), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('announces each step, prints progress lines, a labelled summary and commands that work', { timeout: 240_000 }, async () => {
    const { code, lines, stderr } = await runDemo(dataDir);
    const all = lines.map((l) => l.text).join('\n');
    expect(code, `${all}\n${stderr}`).toBe(0);
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l.text));
      expect(i, `no line matches ${re}:\n${all}`).toBeGreaterThanOrEqual(0);
      return i;
    };

    // Steps, in order, each printed when it starts: the first line comes in an earlier chunk than the
    // sync's start, which comes in an earlier chunk than its summary (nothing is held back to the end).
    expect(lines[0]!.text).toBe(`commerce-sync demo, in its own data dir ${dataDir} (your other data is not touched)`);
    const creating = at(/^- creating the embedded database in .* and applying migrations\.\.\.$/);
    const seeding = at(/^- seeding the sandbox Shopify shop: 20 products with 2 variants each, 30 orders, 10 customers, 2 locations\.\.\.$/);
    const starting = at(/^- starting the job queue, the sync engine and the server\.\.\.$/);
    const syncing = at(/^- initial sync of demo-shop \(/);
    const summary = at(/^Initial sync done \(/);
    expect([creating, seeding, starting, syncing, summary]).toEqual([...[creating, seeding, starting, syncing, summary]].sort((a, b) => a - b));
    expect(lines[0]!.chunk).toBeLessThan(lines[syncing]!.chunk);
    expect(lines[syncing]!.chunk).toBeLessThan(lines[summary]!.chunk);

    // Plain progress lines between the sync's start and its summary, a start and an end per stream.
    const progress = lines.slice(syncing + 1, summary).map((l) => l.text).filter((t) => t.trim() !== '');
    for (const stream of ['customers', 'products', 'orders']) {
      expect(progress).toContain(`  ${stream}: started`);
      expect(progress.some((t) => t.startsWith(`  ${stream}: succeeded — `)), progress.join('\n')).toBe(true);
    }
    expect(progress.every((t) => /^ {2}(customers|products|orders): /.test(t)), progress.join('\n')).toBe(true);

    // The summary names what was counted: variants read, hub products and stock levels written.
    expect(all).toContain('  customers: succeeded — 10 customers read; written to the hub: 10 customers added');
    expect(all).toContain(
      '  products: succeeded — 40 variants read (20 products); written to the hub: 40 hub products added (one per variant), 80 stock levels added (one per variant and location)',
    );
    expect(all).toContain('  orders: succeeded — 30 orders read; written to the hub: 30 orders added (with their lines)');

    // Commands to try, with the demo's tenant, data dir and the key it printed.
    const key = /API key of tenant "demo", shown once: (csk_\S+)/.exec(all)?.[1];
    expect(key, all).toBeDefined();
    expect(all).toContain(`  npx commerce-sync --data-dir ${dataDir} products list -t demo\n`);
    expect(all).toContain(`  npx commerce-sync --data-dir ${dataDir} orders list -t demo --json\n`);
    expect(all).toMatch(new RegExp(`curl -H "Authorization: Bearer ${key}" http://127\\.0\\.0\\.1:\\d+/api/v1/products`));
    // No log line slipped into the output a user reads.
    expect(all).not.toMatch(/"level":/);

    // The first printed command works on the demo's data (the demo has exited: this process opens it).
    const listed = await runCli(['--data-dir', dataDir, 'products', 'list', '-t', 'demo', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('SKU-');
  });
});

describe('plain progress lines', () => {
  function harness() {
    const out: string[] = [];
    let now = 0;
    const bars = progressLines((l) => out.push(l), { intervalMs: 5_000, now: () => now });
    const bar = bars.create(1, 0, { stream: 'products', stage: 'queued', page: 0 });
    return { out, bar, tick: (ms: number) => (now += ms) };
  }

  it('a start, one line per further tenth of a known total, and the end; page-by-page stage flips are not news', () => {
    const { out, bar } = harness();
    bar.update(0, { stage: 'starting', page: 0 });
    for (let page = 1; page <= 100; page++) {
      bar.setTotal(1000);
      bar.update(page * 10 - 5, { stage: 'fetching', page });
      bar.update(page * 10 - 1, { stage: 'writing', page });
    }
    bar.setTotal(1000);
    bar.update(1000, { stage: 'succeeded', page: 100 });
    expect(out[0]).toBe('  products: started');
    expect(out.at(-1)).toBe('  products: succeeded — 1,000 read (100 pages)');
    // started + 9 tenths (10% … 90%) + the end, whatever the number of polls.
    expect(out).toHaveLength(11);
    expect(out[1]).toBe('  products: 10% — 105 of 1,000 read (page 11, fetching)');
  });

  it('without a known total: a line when waits or retries begin, else at most one per interval while the count moves', () => {
    const { out, bar, tick } = harness();
    bar.update(0, { stage: 'fetching', page: 0 });
    for (let i = 1; i <= 40; i++) {
      tick(1_000);
      bar.setTotal(Math.max(i * 10, 1)); // the follower's way of drawing an unknown total
      bar.update(i * 10, { stage: 'writing', page: i });
    }
    bar.update(400, { stage: 'rate limited until 12:00:05', page: 40 });
    bar.update(400, { stage: 'rate limited until 12:00:05', page: 40 });
    expect(out[0]).toBe('  products: started');
    // 40 s of polling with the count moving: one line per 5 s, none claiming a percentage.
    expect(out.filter((l) => l.endsWith(', writing)'))).toHaveLength(8);
    expect(out.some((l) => l.includes('%'))).toBe(false);
    expect(out.at(-1)).toBe('  products: 400 read (page 40, rate limited until 12:00:05)');
  });
});
