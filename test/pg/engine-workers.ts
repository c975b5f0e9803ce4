// Starting and stopping engine worker processes (engine-worker.ts) on a PostgreSQL database, for the
// multi-process rate-limit test and the pull-budget benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./engine-worker.ts', import.meta.url));

export interface EngineWorker {
  proc: ChildProcess;
  /** Resolves once the worker takes jobs; rejects if it exits first. */
  ready: Promise<void>;
  exited(): boolean;
  /** SIGTERM, resolved when the process has exited. */
  stop(): Promise<void>;
}

export function startEngineWorker(env: Record<string, string>): EngineWorker {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const ready = new Promise<void>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('"ready"')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  return {
    proc,
    ready,
    exited: () => exited,
    stop: () => {
      if (!exited) proc.kill('SIGTERM');
      return exit;
    },
  };
}

/** Starts `n` workers and waits until every one takes jobs. */
export async function startEngineWorkers(n: number, env: Record<string, string>): Promise<EngineWorker[]> {
  const workers = Array.from({ length: n }, () => startEngineWorker(env));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    throw err;
  }
  return workers;
}
