// The embedded data directory: private to its user, and owned by one process at a time.
//
// Privacy: the directory is created 0700. PGlite writes some files with modes of its own (its initial
// files come out 0666, unpacked from a template; its relation cache files 0644, under its own umask), so
// a umask alone does not help: what a new database unpacks, and anything wider inside a private
// directory each time the database opens, is tightened to 0600/0700. A directory that others may enter
// is otherwise left as the operator made it, with a warning at start.
//
// Ownership: a lock file holding the owner's pid, process start time and a nonce. No library does what
// is needed here (an exclusive lock whose takeover after a crash is itself exclusive, without leases or
// timers), so it is written out:
// - the lock is created with link(2) from a complete temporary file: exclusive, and never seen half-written;
// - a lock whose owner is gone (pid not running, or running but started at another time: a reused pid)
//   may be removed only by the one process that exclusively creates the takeover marker of that exact lock
//   content; the marker's winner re-reads the lock, removes it only if it is unchanged, and then competes
//   for a fresh lock like everyone else. A winner that died mid-takeover is replaced through the next marker.
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError } from '../core/errors.js';

export const LOCK_FILE = 'commerce-sync.lock';
const MAX_ATTEMPTS = 200;
const RETRY_MS = 10;
const MAX_TAKEOVER_MARKERS = 16;
const MARKER_KEEP_MS = 10 * 60_000;

// ---- privacy ----------------------------------------------------------------------------------------

/** Creates `dir` (and missing parents) with mode 0700; true when it did not exist. */
export function ensurePrivateDir(dir: string): boolean {
  if (existsSync(dir)) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return true;
}

/** Entries below `dir` that other users' bits are set on (symbolic links aside). */
function wideEntries(dir: string): { path: string; isDir: boolean }[] {
  const out: { path: string; isDir: boolean }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    if ((lstatSync(path).mode & 0o077) !== 0) out.push({ path, isDir: entry.isDirectory() });
    if (entry.isDirectory()) out.push(...wideEntries(path));
  }
  return out;
}

const isPrivateMode = (path: string): boolean => (statSync(path).mode & 0o077) === 0;

export const isPrivateDir = (dir: string): boolean => process.platform === 'win32' || isPrivateMode(dir);

/** Directories below `dir` to 0700 and files to 0600 (`dir` itself unchanged). */
export function tightenEntries(dir: string): void {
  if (process.platform === 'win32') return;
  for (const e of wideEntries(dir)) chmodSync(e.path, e.isDir ? 0o700 : 0o600);
}

/** Why `dir` is not private, or undefined when it is. */
export function permissionProblems(dir: string): string | undefined {
  if (process.platform === 'win32' || !existsSync(dir) || isPrivateMode(dir)) return undefined;
  const mode = (statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
  return (
    `the data dir ${dir} is open to other users (mode ${mode}, ${wideEntries(dir).length} entries inside readable or writable by them): ` +
    `it holds customer data and the master key. Fix it with: chmod -R go-rwx ${dir}`
  );
}

/** A start-up warning, on stderr whichever command opened the data dir. */
export function warnIfNotPrivate(dir: string): void {
  const problem = permissionProblems(dir);
  if (problem) process.emitWarning(problem, { code: 'COMMERCE_SYNC_DATA_DIR_PERMISSIONS' });
}

// ---- ownership --------------------------------------------------------------------------------------

interface Holder {
  pid: number;
  /** `linux:<boot id>:<start ticks>` where /proc tells, else `ms:<approximate start>` (not comparable). */
  start: string;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return ticks ? `linux:${boot}:${ticks}` : undefined;
  } catch {
    return undefined;
  }
}

const self: Holder = { pid: process.pid, start: procStart(process.pid) ?? `ms:${Math.round(Date.now() - process.uptime() * 1000)}` };

function parseHolder(content: string): Holder | undefined {
  try {
    const h = JSON.parse(content) as Partial<Holder>;
    if (Number.isInteger(h.pid) && typeof h.start === 'string') return { pid: h.pid!, start: h.start };
  } catch {
    // An older version wrote the bare pid.
    if (/^\d+\s*$/.test(content)) return { pid: Number(content), start: '' };
  }
  return undefined;
}

function isRunning(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid runs; it is the same process only if it started when the holder did (pids are reused,
  // e.g. a container's server restarts as the same pid).
  if (!h.start.startsWith('linux:')) return h.pid !== process.pid || h.start === self.start;
  return procStart(h.pid) === h.start;
}

/** A file's text, or null when it does not exist. */
export function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `file` with `content` if it does not exist, atomically: link(2) of a complete private file. */
function createExclusive(file: string, content: string): boolean {
  const tmp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

type Takeover = 'removed' | 'busy';

/** Removes the lock if it still holds `stale`, as the one process allowed to; 'busy' while another is at it. */
function takeOver(file: string, stale: string, mine: string): Takeover {
  const generation = createHash('sha256').update(stale).digest('hex').slice(0, 16);
  for (let k = 0; k < MAX_TAKEOVER_MARKERS; k++) {
    const marker = `${file}.takeover-${generation}-${k}`;
    if (createExclusive(marker, mine)) {
      if (readOrNull(file) === stale) rmSync(file, { force: true });
      return 'removed';
    }
    const taker = parseHolder(readOrNull(marker) ?? '');
    if (taker && isRunning(taker)) return 'busy';
  }
  throw new SyncError('conflict', `could not take over the stale lock ${file}: remove it by hand if no commerce-sync process uses the data dir`);
}

function removeOldMarkers(dataDir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dataDir)) {
    if (!name.startsWith(`${LOCK_FILE}.takeover-`)) continue;
    const path = join(dataDir, name);
    try {
      if (now - statSync(path).mtimeMs > MARKER_KEEP_MS) rmSync(path, { force: true });
    } catch {
      // removed meanwhile
    }
  }
}

function inUse(dataDir: string, pid: number): SyncError {
  return new SyncError(
    'conflict',
    `the data dir ${dataDir} is in use by process ${pid} (a running \`commerce-sync serve\`?). Stop it first, or use its API; ` +
      'to share one database between processes, use PostgreSQL (DATABASE_URL).',
    // The CLI reads the holder from here to reach a running server instead (src/cli/session.ts).
    { details: { dataDirHolder: pid } },
  );
}

/**
 * Makes this process the one owner of the data dir, or throws `conflict` naming the owner. The returned
 * function releases it (only if the lock is still this one).
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const file = join(dataDir, LOCK_FILE);
  const mine = JSON.stringify({ ...self, nonce: randomUUID(), at: new Date().toISOString() });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(file, mine)) {
      removeOldMarkers(dataDir);
      return () => {
        if (readOrNull(file) === mine) rmSync(file, { force: true });
      };
    }
    const current = readOrNull(file);
    if (current === null) continue; // released meanwhile: try again at once
    const holder = parseHolder(current);
    if (holder && isRunning(holder)) throw inUse(dataDir, holder.pid);
    if (takeOver(file, current, mine) === 'busy') await sleep(RETRY_MS);
  }
  throw new SyncError('conflict', `could not lock the data dir ${dataDir}`);
}
