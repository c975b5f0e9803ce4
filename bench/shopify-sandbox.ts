// The Shopify sandbox of the pull-budget benchmarks, in a child process of its own (its CPU is not
// the engine's): its default cost bucket, how to start it and how to read its own accounting.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SANDBOX = fileURLToPath(new URL('./shopify-sandbox-process.ts', import.meta.url));
/** The sandbox's default GraphQL cost bucket: 2000 points, restoring 100 per second. */
export const BUCKET = 2000;
export const RESTORE = 100;

export interface Stats {
  graphql: { requests: number; throttled: number; pointsSpent: number };
}

export async function startSandbox(env: Record<string, string>): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SANDBOX], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => reject(new Error(`sandbox exited with ${c}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => proc.kill('SIGTERM') };
}

export const stats = async (url: string) => (await (await fetch(`${url}/_sandbox/stats`)).json()) as Stats;
