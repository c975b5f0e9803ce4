// Printing and exit codes shared by the commands. Exit codes (DESIGN.md section 6):
// 0 ok, 2 usage or configuration error, 3 partial, 4 failed, 5 conflict / already running.
import { isSyncError } from '../core/errors.js';
import { ConfigError } from './config.js';

export const EXIT = { ok: 0, usage: 2, partial: 3, failed: 4, conflict: 5 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table for humans; --json is the interface for scripts. */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(columns.map((c) => c.toUpperCase())) + rows.map((r) => line(columns.map((c) => cell(r[c])))).join('');
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  process.stdout.write(formatTable(rows, columns));
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError) return EXIT.usage;
  if (isSyncError(err)) {
    if (err.code === 'connection_unusable') return EXIT.failed;
    if (err.kind === 'config') return EXIT.usage;
    if (err.httpStatus === 409) return EXIT.conflict;
    if (err.httpStatus === 400 || err.httpStatus === 404) return EXIT.usage;
  }
  return EXIT.failed;
}
