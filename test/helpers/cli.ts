// Runs the CLI from source in a child process (no build needed).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): ChildProcess {
  // Start from the test's environment without the variables that would change which database or
  // key the CLI uses; an `undefined` in `env` removes a variable.
  const merged: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const k of ['DATABASE_URL', 'COMMERCE_SYNC_MASTER_KEY', 'COMMERCE_SYNC_TENANT', 'PORT']) if (!(k in env)) delete merged[k];
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  return child;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string, timeoutMs = 60_000): Promise<CliResult> {
  return collectExit(startCli(args, env, stdin), args, timeoutMs);
}

/** A CLI child's output and exit code; killed, and failing, after `timeoutMs`. */
export function collectExit(child: ChildProcess, args: string[], timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`commerce-sync ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
