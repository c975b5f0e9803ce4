// The two files through which CLI commands reach a `serve` that owns the embedded data dir:
// - `admin.token`: 32 random bytes (base64url), created by serve on first start with mode 0600 and
//   reused afterwards. Whoever can read it may run any CLI operation through the server, which is
//   what whoever can read the data dir can do anyway (docs/security.md).
// - `server.json`: {pid, url, startedAt} of the serve holding the data dir: written with url null as
//   soon as it holds the data dir (so that commands know to wait for it while it starts), with its URL
//   once it listens, and removed when it stops cleanly. A file left by a crash names a dead pid: the
//   CLI only trusts it while that pid holds the data dir's lock (session.ts).
// - `serve.<pid>.starting`: an empty marker from before serve takes the data dir until server.json is
//   written, so that a command started meanwhile waits for the server instead of taking the data dir
//   from under it (and so making it fail).
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensurePrivateDir, readOrNull } from '../store/data-dir.js';

export const ADMIN_TOKEN_FILE = 'admin.token';
export const SERVER_FILE = 'server.json';

export interface ServerInfo {
  pid: number;
  /** null while the server starts (it holds the data dir but does not listen yet). */
  url: string | null;
  startedAt: string;
}

/** The admin token of the data dir, created (0600) if there is none yet. */
export function ensureAdminToken(dataDir: string): string {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readAdminToken(dataDir);
  if (existing) {
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      process.emitWarning(`the admin token file ${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); fix it with: chmod 600 ${file}`, {
        code: 'COMMERCE_SYNC_DATA_DIR_PERMISSIONS',
      });
    }
    return existing;
  }
  ensurePrivateDir(dataDir);
  // Written whole to a private temporary file, then renamed: a reader never sees half a token.
  const tmp = join(dataDir, `.${ADMIN_TOKEN_FILE}.${randomUUID()}.tmp`);
  writeFileSync(tmp, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return readAdminToken(dataDir)!;
}

/** The token, or null when there is none (or it is empty: an empty token would match nothing anyway). */
export function readAdminToken(dataDir: string): string | null {
  const text = readOrNull(join(dataDir, ADMIN_TOKEN_FILE))?.trim();
  return text ? text : null;
}

/** The URL a local client reaches a server at: a wildcard bind (0.0.0.0, ::) is reached on loopback. */
export function listenUrl(address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') throw new Error(`the server does not listen on a TCP port (${String(address)})`);
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const file = join(dataDir, SERVER_FILE);
  const tmp = join(dataDir, `.${SERVER_FILE}.${randomUUID()}.tmp`);
  writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** server.json as written by writeServerInfo, or null (missing, or not of that shape). */
export function readServerInfo(dataDir: string): ServerInfo | null {
  const text = readOrNull(join(dataDir, SERVER_FILE));
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<ServerInfo>;
    const url = v.url === null || (typeof v.url === 'string' && /^https?:\/\//.test(v.url)) ? v.url : undefined;
    if (Number.isInteger(v.pid) && url !== undefined) return { pid: v.pid!, url, startedAt: String(v.startedAt ?? '') };
  } catch {
    // a torn or foreign file: treated as absent
  }
  return null;
}

/** Removes server.json if it is the one `pid` wrote (or any, without a pid: its writer is known to be gone). */
export function removeServerInfo(dataDir: string, pid?: number): void {
  if (pid !== undefined && readServerInfo(dataDir)?.pid !== pid) return;
  rmSync(join(dataDir, SERVER_FILE), { force: true });
}

// ---- serve starting ---------------------------------------------------------------------------------

const STARTING = /^serve\.(\d+)\.starting$/;
/** A marker older than this is left by a serve that died starting (its pid may be another process's now). */
const STARTING_MAX_AGE_MS = 10 * 60_000;

/** Marks this process as a serve about to take the data dir; the returned function removes the mark. */
export function markServeStarting(dataDir: string): () => void {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, `serve.${process.pid}.starting`);
  writeFileSync(file, '', { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of serves marked as starting, recently, that still run. */
export function startingServes(dataDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const pid = Number(STARTING.exec(name)?.[1]);
    if (!pid || pid === process.pid || !isAlive(pid)) continue;
    try {
      if (Date.now() - statSync(join(dataDir, name)).mtimeMs < STARTING_MAX_AGE_MS) pids.push(pid);
    } catch {
      // removed meanwhile: it has started, or failed
    }
  }
  return pids;
}

export const isServeStarting = (dataDir: string, pid: number): boolean => startingServes(dataDir).includes(pid);

/** Removes every starting mark: for a process that holds the data dir, so no serve can be starting on it. */
export function removeStartingMarks(dataDir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) if (STARTING.test(name)) rmSync(join(dataDir, name), { force: true });
}
