// The CLI as child processes in a working directory of the test's choosing (the README's commands name
// files relative to it), and a `serve` waited for on a condition: its server.json names a URL whose
// /readyz answers 200.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readServerInfo, type ServerInfo } from '../../src/cli/server-files.js';
import { WaitAborted, waitFor } from '../helpers/db.js';
import { type CliResult, collectExit, REPO_ROOT } from '../helpers/cli.js';

const MAIN = join(REPO_ROOT, 'src/cli/main.ts');
// tsx's loader by path: `--import tsx` would be resolved from the child's working directory.
const TSX_PACKAGE = createRequire(import.meta.url).resolve('tsx/package.json');
const TSX_LOADER = pathToFileURL(join(dirname(TSX_PACKAGE), (JSON.parse(readFileSync(TSX_PACKAGE, 'utf8')) as { exports: { '.': string } }).exports['.'])).href;

/** The environment of a child: the test's, without what would choose another database, key, tenant or port. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn' };
  for (const k of ['DATABASE_URL', 'COMMERCE_SYNC_MASTER_KEY', 'COMMERCE_SYNC_PREVIOUS_MASTER_KEYS', 'COMMERCE_SYNC_TENANT', 'COMMERCE_SYNC_CONFIG', 'PORT', 'HOST']) delete env[k];
  return Object.fromEntries(Object.entries({ ...env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

export function spawnCli(args: string[], opts: { cwd: string; env: Record<string, string> }): ChildProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN, ...args], { cwd: opts.cwd, env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end();
  return child;
}

/** Runs a command to its exit (killed, and failing, after `timeoutMs`). */
export function runIn(args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  return collectExit(spawnCli(args, opts), args, opts.timeoutMs ?? 60_000);
}

export interface Serving {
  child: ChildProcess;
  info: ServerInfo & { url: string };
  stderr(): string;
  /** SIGTERM, then its exit code (SIGKILL and null if it does not stop within 20 s). */
  stop(): Promise<number | null>;
}

/**
 * Starts `args` (a serve) and waits, bounded, until it has written server.json and is ready;
 * `whileStarting` runs as soon as it marks itself starting (before it has even opened the data dir).
 */
export async function startServing(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; dataDir: string; whileStarting?: () => Promise<void> },
): Promise<Serving> {
  const child = spawnCli(args, opts);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
  const stop = async () => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    if (opts.whileStarting) {
      await waitFor(() => {
        if (exitCode !== undefined) throw new WaitAborted(`serve exited with ${exitCode}: ${stderr}`);
        const found = readServerInfo(opts.dataDir);
        if (found?.url) throw new WaitAborted('serve was listening before its starting state was seen');
        return found?.pid === child.pid || existsSync(join(opts.dataDir, `serve.${child.pid}.starting`));
      }, 60_000, 'serve to start taking the data dir');
      await opts.whileStarting();
    }
    const info = await waitFor(async () => {
      if (exitCode !== undefined) throw new WaitAborted(`serve exited with ${exitCode}: ${stderr}`);
      const found = readServerInfo(opts.dataDir);
      return found?.url && found.pid === child.pid && (await fetch(`${found.url}/readyz`)).status === 200 ? found : null;
    }, 60_000, 'serve to write server.json and be ready');
    return { child, info: { ...info, url: info.url! }, stderr: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
