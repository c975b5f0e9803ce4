// Peak memory of a pull: for each N (default 100k, then 1M), a fresh source process serving N
// records, a fresh on-disk PGlite data directory (created and migrated by a process of its own, see
// bench/memory-child.ts for why), and a fresh engine process pulling the N records into it. The
// figure is the pulling process's maxRSS; the ratio largest-N / smallest-N says whether memory
// stays flat as N grows (a pull holds one page at a time, so it should).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { envInt, envIntList, log, round, tempDataDir } from './wiring.js';

export const TARGET_RATIO = 1.2;

export interface MemoryResult {
  bench: 'memory';
  results: { records: number; peakRssMb: number; seconds: number }[];
  ratio: number;
  /** Peak RSS of creating the data directory (first start of the embedded database), for reference. */
  dataDirInitPeakRssMb: number;
  target: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function spawnTs(file: string, args: string[], stdin: 'pipe' | 'ignore'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', here(file), ...args], {
    stdio: [stdin, 'pipe', 'inherit'],
    env: process.env,
  });
}

/** The first stdout line of `child` parsed as JSON; rejects if the child exits first or times out. */
function firstJsonLine<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let settled = false;
    const done = (err: Error | null, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new Error(`${what}: no result within ${Math.round(timeoutMs / 1000)} s; killed`));
    }, timeoutMs);
    lines.on('line', (line) => {
      try {
        done(null, JSON.parse(line) as T);
      } catch {
        process.stderr.write(`${what}: ${line}\n`); // not ours: pass it on rather than lose it
      }
    });
    child.once('exit', (code, signal) => done(new Error(`${what} exited (${signal ?? `code ${code}`}) without a result`)));
    child.once('error', (err) => done(err));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

interface ChildOutput {
  records: number;
  maxRssKb: number;
  seconds: number;
  hubProducts: number;
  heapUsedMb: number;
  externalMb: number;
}

async function runChild<T>(args: string[], what: string, timeoutMs: number): Promise<T> {
  const child = spawnTs('./memory-child.ts', args, 'ignore');
  const out = await firstJsonLine<T>(child, what, timeoutMs);
  await waitExit(child);
  if (child.exitCode !== 0) throw new Error(`${what} exited with code ${child.exitCode}`);
  return out;
}

async function measure(n: number, timeoutMs: number): Promise<ChildOutput & { initRssKb: number }> {
  const data = tempDataDir('commerce-sync-bench-memory');
  const source = spawnTs('./source-process.ts', [String(n)], 'pipe');
  try {
    const init = await runChild<{ maxRssKb: number }>(['prepare', data.dir], 'data directory setup', 120_000);
    const { url } = await firstJsonLine<{ url: string }>(source, 'source process', 60_000);
    log(`memory: pulling ${n} records from ${url}`);
    const out = await runChild<ChildOutput>(['pull', data.dir, url, String(n)], `pull of ${n}`, timeoutMs);
    if (out.hubProducts !== n) throw new Error(`pull of ${n}: hub holds ${out.hubProducts} products`);
    return { ...out, initRssKb: init.maxRssKb };
  } finally {
    source.stdin?.end(); // the source exits when its stdin closes
    source.kill('SIGTERM');
    await waitExit(source);
    data.remove();
  }
}

export async function runMemory(): Promise<MemoryResult> {
  const sizes = envIntList('BENCH_MEMORY_RECORDS', [100_000, 1_000_000]);
  const timeoutMs = envInt('BENCH_MEMORY_TIMEOUT_S', 1_800) * 1000;
  log(`memory: record counts ${sizes.join(', ')}`);
  const results: MemoryResult['results'] = [];
  let initKb = 0;
  for (const n of sizes) {
    const out = await measure(n, timeoutMs);
    initKb = Math.max(initKb, out.initRssKb);
    const peakRssMb = round(out.maxRssKb / 1024, 1);
    log(`memory: ${n} records in ${out.seconds} s (${Math.round(n / out.seconds)} rec/s), peak RSS ${peakRssMb} MB, heap at end ${out.heapUsedMb} MB, external ${out.externalMb} MB`);
    results.push({ records: n, peakRssMb, seconds: out.seconds });
  }
  const smallest = results.reduce((a, b) => (b.records < a.records ? b : a));
  const largest = results.reduce((a, b) => (b.records > a.records ? b : a));
  return { bench: 'memory', results, ratio: round(largest.peakRssMb / smallest.peakRssMb, 3), target: TARGET_RATIO, dataDirInitPeakRssMb: round(initKb / 1024, 1) };
}
