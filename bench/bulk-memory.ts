// bulk-memory (Shopify): peak RSS of a bulk initial pull of N orders with their lines, for N = 10k
// and 100k (BENCH_BULK_ORDERS), on the embedded database or PostgreSQL (BENCH_BULK_DRIVER). The target: the 100k pull peaks within 20% of the 10k pull. The
// sandbox runs in its own process; each pull runs in a fresh process on a pre-migrated embedded data
// dir (creating a PGlite data dir peaks far above any pull, see memory-child.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADMIN_DATABASE_URL, envIntList, log } from './wiring.js';
import pg from 'pg';
import { openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

function child(script: string, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): { line: Promise<string>; stop(): void; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', here(script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => c !== 0 && reject(new Error(`${script} exited with ${c}`)));
  });
  return { line, stop: () => proc.kill('SIGTERM'), exited: new Promise((r) => proc.once('exit', r)) };
}

/** A fresh, migrated PostgreSQL database for one pull; dropped by the returned function. */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_bulk_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(ADMIN_DATABASE_URL);
  u.pathname = '/' + name;
  const db = await openDatabase({ databaseUrl: u.toString(), dataDir: '' });
  await migrate(db);
  await db.close();
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function runBulkMemory(): Promise<object> {
  const sizes = envIntList('BENCH_BULK_ORDERS', [10_000, 100_000]);
  // pglite (default): the embedded database, whose buffer cache lives in this process's memory and
  // fills as the data grows; postgres: the hub in PostgreSQL, so the RSS is the engine's and the
  // connector's alone.
  const driver = process.env.BENCH_BULK_DRIVER === 'postgres' ? 'postgres' : 'pglite';
  // V8 collects lazily on a machine with memory to spare: uncapped, the peak measures how much
  // garbage it let pile up. A heap cap (BENCH_HEAP_MB, default 128; 0 = none) makes the peak the
  // working set, which is what grows if the connector holds data it should stream.
  const heapMb = Number(process.env.BENCH_HEAP_MB ?? 128);
  const heapFlags = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
  const results: { orders: number; lines: number; peakRssMb: number; seconds: number }[] = [];
  for (const n of sizes) {
    const sb = child('./shopify-sandbox-process.ts', [], { SB_TIME_SCALE: '100', SB_ORDERS: String(n), SB_LINES: '3', SB_CUSTOMERS: '100', SB_PRODUCTS: '100' });
    const dir = mkdtempSync(join(tmpdir(), 'cs-bulk-'));
    try {
      const { url } = JSON.parse(await sb.line) as { url: string };
      const database = driver === 'postgres' ? await freshPostgres() : null;
      if (!database) await child('./memory-child.ts', ['prepare', dir]).line;
      log(`bulk-memory: pulling ${n} orders (${driver})`);
      const out = JSON.parse(await child('./bulk-memory-child.ts', [database?.url ?? dir, url, String(n)], {}, heapFlags).line) as { orders: number; lines: number; maxRssKb: number; seconds: number };
      await database?.drop();
      results.push({ orders: out.orders, lines: out.lines, peakRssMb: Math.round(out.maxRssKb / 1024), seconds: out.seconds });
      log(`  ${n} orders (${out.lines} lines): peak RSS ${Math.round(out.maxRssKb / 1024)} MB in ${out.seconds} s`);
    } finally {
      sb.stop();
      await sb.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ratio = results.length > 1 ? results[results.length - 1]!.peakRssMb / results[0]!.peakRssMb : 1;
  return { bench: 'bulk-memory', platform: 'shopify', driver, heapMb, results, ratio: Number(ratio.toFixed(3)), target: 1.2 };
}
