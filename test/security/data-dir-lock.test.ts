// One process owns an embedded data dir. 20 processes starting at once on a directory whose lock was
// left by a crashed process (and on one without a lock) end with exactly one owner, the one the lock
// file names; everyone else is told who owns it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';

const CHILD = fileURLToPath(new URL('./fixtures/lock-child.ts', import.meta.url));
const CONTENDERS = 20;

interface Result {
  dataDir: string;
  pid: number;
  owner: boolean;
  error?: string;
}

describe('data dir lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'cs-lock-'));
  const children: ChildProcess[] = [];
  const results: Result[] = [];
  let ready = 0;

  beforeAll(async () => {
    for (let i = 0; i < CONTENDERS; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
      let buf = '';
      child.stdout!.on('data', (d) => {
        buf += d;
        for (let n = buf.indexOf('\n'); n >= 0; n = buf.indexOf('\n')) {
          const msg = JSON.parse(buf.slice(0, n)) as { event: string } & Result;
          buf = buf.slice(n + 1);
          if (msg.event === 'ready') ready++;
          else results.push(msg);
        }
      });
      children.push(child);
    }
    await waitFor(() => ready === CONTENDERS, 60_000, `${CONTENDERS} contenders to start`);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.stdin!.end())))));
    rmSync(root, { recursive: true, force: true });
  });

  /** A pid that is certainly not running: a process that has exited. */
  async function deadPid(): Promise<number> {
    const p = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => p.once('exit', r));
    return p.pid!;
  }

  async function race(dataDir: string): Promise<Result[]> {
    for (const c of children) c.stdin!.write(`go ${dataDir}\n`);
    return waitFor(() => {
      const mine = results.filter((r) => r.dataDir === dataDir);
      return mine.length === CONTENDERS ? mine : null;
    }, 30_000, `every contender to answer for ${dataDir}`);
  }

  function expectOneOwner(dataDir: string, answers: Result[]): void {
    const owners = answers.filter((r) => r.owner);
    expect(owners.map((o) => o.pid), `owners of ${dataDir}`).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'commerce-sync.lock'), 'utf8')).toMatch(new RegExp(`\\b${owners[0]!.pid}\\b`));
    for (const r of answers.filter((a) => !a.owner)) expect(r.error).toMatch(new RegExp(`in use by process ${owners[0]!.pid}`));
  }

  it(`${CONTENDERS} concurrent starts over a crashed owner's lock: exactly one owner, every time`, async () => {
    for (let round = 0; round < 3; round++) {
      const dataDir = join(root, `stale-${round}`);
      mkdirSync(dataDir, { mode: 0o700 });
      writeFileSync(join(dataDir, 'commerce-sync.lock'), String(await deadPid()));
      expectOneOwner(dataDir, await race(dataDir));
    }
  }, 120_000);

  it(`${CONTENDERS} concurrent starts on a fresh data dir: exactly one owner`, async () => {
    const dataDir = join(root, 'fresh');
    mkdirSync(dataDir, { mode: 0o700 });
    expectOneOwner(dataDir, await race(dataDir));
  }, 60_000);
});
