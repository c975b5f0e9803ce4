import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, ERROR_KINDS, SyncError, isErrorCode, isSyncError, toErrorBody, toSyncError } from './errors.js';

interface DocRow {
  code: string;
  kind: string;
  httpStatus: number;
}

const HEADER = '| code | kind | HTTP status | description |';

function readCatalogTable(): DocRow[] {
  const text = readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8');
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === HEADER);
  if (start < 0) throw new Error(`docs/errors.md has no table with header ${HEADER}`);
  const rows: DocRow[] = [];
  // Skip the header and the |---| separator; the table ends at the first line that is not a row.
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, ''));
    const [code = '', kind = '', status = ''] = cells;
    rows.push({ code, kind, httpStatus: Number(status) });
  }
  return rows;
}

describe('docs/errors.md', () => {
  const rows = readCatalogTable();
  const documented = new Map(rows.map((row) => [row.code, row]));

  it('lists each code once', () => {
    expect(rows.length).toBe(documented.size);
  });

  it('lists every code of ERROR_CATALOG with its kind and status', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
      expect(documented.get(code), `docs/errors.md is missing ${code}`).toEqual({ code, kind: spec.kind, httpStatus: spec.httpStatus });
    }
  });

  it('lists no code that ERROR_CATALOG lacks', () => {
    const extra = rows.map((row) => row.code).filter((code) => !isErrorCode(code));
    expect(extra).toEqual([]);
  });
});

describe('ERROR_CATALOG', () => {
  it('uses only known kinds and HTTP error statuses', () => {
    for (const spec of Object.values(ERROR_CATALOG)) {
      expect(ERROR_KINDS).toContain(spec.kind);
      expect(spec.httpStatus).toBeGreaterThanOrEqual(400);
      expect(spec.httpStatus).toBeLessThan(600);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });
});

describe('SyncError', () => {
  it('takes kind and status from the catalog', () => {
    const err = new SyncError('upstream_rate_limited', 'slow down', { retryAfterMs: 2000, details: { platform: 'shopify' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SyncError');
    expect(err.kind).toBe('rate_limited');
    expect(err.httpStatus).toBe(429);
    expect(err.retryAfterMs).toBe(2000);
    expect(err.details).toEqual({ platform: 'shopify' });
  });

  it('keeps the cause', () => {
    const cause = new Error('ECONNRESET');
    expect(new SyncError('upstream_transient', 'reset', { cause }).cause).toBe(cause);
  });

  it('is recognised across module copies by shape', () => {
    const foreign = Object.assign(new Error('x'), { name: 'SyncError', code: 'not_found', kind: 'permanent' });
    expect(isSyncError(foreign)).toBe(true);
    expect(isSyncError(Object.assign(new Error('x'), { name: 'SyncError', code: 'nope', kind: 'permanent' }))).toBe(false);
    expect(isSyncError(new Error('x'))).toBe(false);
    expect(isSyncError(null)).toBe(false);
    expect(isSyncError('not_found')).toBe(false);
  });
});

describe('toErrorBody', () => {
  it('renders a SyncError', () => {
    expect(toErrorBody(new SyncError('run_already_active', 'A run is active', { details: { runId: 'r1' } }))).toEqual({
      error: { code: 'run_already_active', message: 'A run is active', details: { runId: 'r1' } },
    });
    expect(toErrorBody(new SyncError('not_found', 'No such connection'))).toEqual({
      error: { code: 'not_found', message: 'No such connection' },
    });
  });

  it('hides the message of unexpected errors', () => {
    const body = toErrorBody(new Error('relation "connections" does not exist'));
    expect(body).toEqual({ error: { code: 'internal_error', message: 'Internal error' } });
    expect(toErrorBody('boom').error.code).toBe('internal_error');
  });

  it('wraps unknown throwables with the original as cause', () => {
    const original = new TypeError('x is undefined');
    const wrapped = toSyncError(original);
    expect(wrapped.code).toBe('internal_error');
    expect(wrapped.cause).toBe(original);
  });
});
