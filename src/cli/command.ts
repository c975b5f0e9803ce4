// A command = an operation + how its result is shown. `--json` prints the result as it is (the same
// JSON whichever process ran it); otherwise the command's view renders it for a person. The exit code
// comes from the result (a view's `exit`), so it is the same with and without --json.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { GlobalFlags } from './main.js';
import type { Operation } from './ops/context.js';
import { CliError, EXIT, formatTable } from './output.js';
import { openSession, type Session } from './session.js';

export interface Io {
  /** Results: stdout. */
  out(text: string): void;
  /** Progress and notes: stderr, so that stdout stays the result alone. */
  err(text: string): void;
  json: boolean;
  /** Live progress bars are drawn (stderr is a terminal and --json is off). */
  live: boolean;
}

export function processIo(opts: { json?: boolean | undefined }): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    json: opts.json === true,
    live: Boolean(process.stderr.isTTY) && opts.json !== true,
  };
}

export interface View<R> {
  /** The readable form of the result. */
  show(result: R, io: Io, session: Session): void;
  /** The exit code the result means (default 0). */
  exit?(result: R): number;
}

export function present<R>(result: R, view: View<R>, io: Io, session: Session): number {
  if (io.json) io.out(JSON.stringify(result, null, 2) + '\n');
  else view.show(result, io, session);
  return view.exit?.(result) ?? EXIT.ok;
}

/** Runs the operation in `session` and presents it; returns the exit code. */
export async function execute<A extends z.ZodType, R>(session: Session, op: Operation<A, R>, args: z.input<A>, view: View<R>, io: Io): Promise<number> {
  return present(await session.call(op, args), view, io, session);
}

/** The body of a one-operation command: open a session (here or at the server), run, show, exit. */
export async function runCommand<A extends z.ZodType, R>(flags: GlobalFlags, op: Operation<A, R>, args: z.input<A>, view: View<R>, opts: { json?: boolean | undefined }): Promise<void> {
  const session = await openSession(flags);
  try {
    process.exitCode = await execute(session, op, args, view, processIo(opts));
  } finally {
    await session.close();
  }
}

/** A view that shows rows of the result as a table. */
export const tableView = <R>(rows: (result: R) => Record<string, unknown>[], columns: string[], extra: Partial<View<R>> = {}): View<R> => ({
  show: (result, io) => io.out(formatTable(rows(result), columns)),
  ...extra,
});

/** Label: value lines, for one record. */
export function formatFields(fields: [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return fields.map(([k, v]) => `${(k + ':').padEnd(width + 2)}${text(v)}\n`).join('');
}

/** `--limit` as a number (the operation checks its range). */
export const limitOf = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

/** A JSON object given on the command line; anything else is a usage error naming `what`. */
export function parseJsonObject(what: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${what} must be a JSON object`, EXIT.usage);
  return value as Record<string, unknown>;
}

/** A JSON object from text, @file or stdin ("-"): secrets and long values need not appear in shell history. */
export function readJsonObjectArg(what: string, arg: string): Record<string, unknown> {
  if (arg === '-') return parseJsonObject(`${what} (stdin)`, readFileSync(0, 'utf8'));
  if (arg.startsWith('@')) {
    let text: string;
    try {
      text = readFileSync(arg.slice(1), 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${what} file ${arg.slice(1)}: ${(err as Error).message}`, EXIT.usage);
    }
    return parseJsonObject(`${what} file ${arg.slice(1)}`, text);
  }
  return parseJsonObject(`--${what}`, arg);
}
