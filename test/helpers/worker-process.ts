// A pull worker in its own process (test/engine/fixtures/pull-child.ts by default, or another child that
// prints the same lines), for tests that kill one with SIGKILL: its committed pages as it reports them,
// its output lines, its exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../engine/fixtures/pull-child.ts', import.meta.url));

export interface WorkerProcess {
  /** The run's last committed page, counted only once this worker owns the run. */
  pages: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  kill(): void;
}

/**
 * Starts a worker; `attempt` is the run attempt it will be. Until it has taken the run over it sees
 * the previous owner's page, which must not count as its own.
 */
export function startWorkerProcess(env: Record<string, string>, attempt: number, child = CHILD): WorkerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const worker: WorkerProcess = {
    pages: 0,
    lines: [],
    exited: new Promise((r) => proc.on('exit', (code) => r(code))),
    kill: () => proc.kill('SIGKILL'),
  };
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      worker.lines.push(line);
      if (typeof line.page === 'number' && line.attempts === attempt) worker.pages = line.page;
    }
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  void worker.exited.then((code) => {
    if (code !== 0 && code !== null) console.error(stderr);
  });
  return worker;
}
