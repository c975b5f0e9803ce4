// One step of the memory bench, in a process of its own so its peak RSS is that step's alone.
//   node --import tsx bench/memory-child.ts prepare <data dir>
//     creates and migrates an embedded PGlite data directory, prints {"maxRssKb"}.
//   node --import tsx bench/memory-child.ts pull <data dir> <source url> <expected record count>
//     opens that directory, runs one full pull, checks that the hub holds exactly the expected
//     number of products, and prints {"records", "maxRssKb", "seconds", "hubProducts", "counts",
//     "heapUsedMb", "externalMb"}.
// The two are separate because creating a PGlite data directory (initdb inside WASM) peaks far
// above anything a pull does (~0.9 GB against ~0.35 GB to reopen one); measured together, that
// one-time first-start cost would be the peak for every N and hide how the pull itself grows.
// The data directory is on disk, as in the embedded default: an in-memory PGlite would hold the
// pulled data itself in RAM.
import type { Db } from '../src/store/db.js';
import { openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { log, wireEngine } from './wiring.js';

const [mode, dataDir, url, countArg] = process.argv.slice(2);
const expected = Number(countArg);
const USAGE = 'usage: memory-child.ts prepare <data dir> | pull <data dir> <source url> <expected record count>\n';
if (!dataDir || (mode !== 'prepare' && mode !== 'pull') || (mode === 'pull' && (!url || !Number.isInteger(expected) || expected < 1))) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const dir: string = dataDir;
const sourceUrl = url ?? '';
const pageSize = Number(process.env.BENCH_PAGE_SIZE ?? 250);

async function prepare(): Promise<void> {
  const db = await openDatabase({ dataDir: dir });
  await migrate(db);
  await db.close();
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

async function pull(): Promise<void> {
  const db: Db = await openDatabase({ dataDir: dir });
  let ticker: NodeJS.Timeout | undefined;
  try {
    const wired = await wireEngine(db, sourceUrl, { pageSize, tenantName: 'bench-memory' });
    const started = performance.now();
    // A heartbeat on stderr: how far the pull is and how the RSS evolves along the way.
    ticker = setInterval(() => {
      const rssMb = process.memoryUsage.rss() / 2 ** 20;
      const peakMb = process.resourceUsage().maxRSS / 1024;
      const s = (performance.now() - started) / 1000;
      void db
        .query<{ processed: number | null }>(`SELECT (progress->>'processed')::int AS processed FROM sync_runs WHERE connection_id = $1`, [wired.connectionId])
        .then(({ rows }) => log(`  ${expected}: ${rows[0]?.processed ?? 0} records after ${s.toFixed(0)} s, rss ${rssMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB`))
        .catch(() => undefined);
    }, 15_000);
    ticker.unref();
    const { run, ms } = await wired.runFull();
    clearInterval(ticker);
    const hub = await wired.hubCount();
    await wired.stop();
    if (hub !== expected || run.counts.added !== expected) {
      throw new Error(`hub holds ${hub} products (run counts ${JSON.stringify(run.counts)}), expected ${expected}`);
    }
    const mem = process.memoryUsage();
    const out = {
      records: expected,
      maxRssKb: process.resourceUsage().maxRSS,
      seconds: Number((ms / 1000).toFixed(1)),
      hubProducts: hub,
      counts: run.counts,
      heapUsedMb: Number((mem.heapUsed / 2 ** 20).toFixed(1)),
      externalMb: Number(((mem.external + mem.arrayBuffers) / 2 ** 20).toFixed(1)),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    if (ticker) clearInterval(ticker);
    await db.close();
  }
}

// An explicit exit: nothing left open (a timer, a socket) may keep the measured process alive.
(mode === 'prepare' ? prepare() : pull()).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`memory child failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
