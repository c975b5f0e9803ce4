// OData-like collection options (section 3): `$top` (default 50, max 200 — the largest size a client is seen
// using; the real maximum is unpublished), `$skip`, `$filter` with `eq` on whitelisted fields joined by `and`,
// `$orderBy`, and the envelope {items,_page,_links,nextPageLink,count}. Plain query parameters are silently
// ignored, so `?merchantSku=X` answers the whole collection, as observed in two clients.
import type { FastifyRequest } from 'fastify';
import { badRequest } from './errors.js';

export type Json = Record<string, unknown>;
type Query = Record<string, string | string[] | undefined>;

export interface Envelope<T = Json> {
  items: T[];
  _page: { total: number; limit: number; offset: number };
  _links: { previous: string | null; next: string | null };
  nextPageLink: string | null;
  count: number;
}

interface Clause {
  path: string[];
  value: string | number | boolean | null;
}

export const DEFAULT_TOP = 50;
export const MAX_TOP = 200;

/** One value of a query parameter (the first when repeated). */
export function param(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Query)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Values along a `/`-separated path; arrays fan out, so `warehouses/warehouseId` matches any warehouse. */
function resolve(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((v) => resolve(v, path));
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = path;
  return resolve((value as Json)[head as string], rest);
}

function canonical(field: string, allowed: string[], what: string): string[] {
  const found = allowed.find((a) => a.toLowerCase() === field.toLowerCase());
  if (!found) throw badRequest('InvalidQuery', `${what} on '${field}' is not supported; allowed: ${allowed.join(', ')}`);
  return found.split('/');
}

const CLAUSE = /^\s*([A-Za-z_][\w/]*)\s+([A-Za-z]+)\s+('(?:[^']|'')*'|[^\s']+)\s*/;

export function parseFilter(expr: string, allowed: string[]): Clause[] {
  const clauses: Clause[] = [];
  let rest = expr;
  for (;;) {
    const m = CLAUSE.exec(rest);
    if (!m) throw badRequest('InvalidQuery', `cannot parse $filter near '${rest.trim()}'`);
    const [all, field = '', op = '', raw = ''] = m;
    if (op.toLowerCase() !== 'eq') throw badRequest('InvalidQuery', `$filter operator '${op}' is not supported (only eq)`);
    let value: Clause['value'];
    if (raw.startsWith("'")) value = raw.slice(1, -1).replace(/''/g, "'");
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw === 'null') value = null;
    else if (Number.isFinite(Number(raw))) value = Number(raw);
    else throw badRequest('InvalidQuery', `cannot parse $filter value ${raw}`);
    clauses.push({ path: canonical(field, allowed, '$filter'), value });
    rest = rest.slice(all.length);
    if (rest.trim() === '') return clauses;
    const and = /^and\s+/i.exec(rest);
    if (!and) throw badRequest('InvalidQuery', `$filter clauses must be joined by 'and' (near '${rest.trim()}')`);
    rest = rest.slice(and[0].length);
  }
}

function equal(a: unknown, b: Clause['value']): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return a === Number(b);
  if (typeof a === 'string' && typeof b === 'number') return Number(a) === b;
  // Dates compare by instant, whatever precision or offset the client wrote.
  if (typeof a === 'string' && typeof b === 'string' && /^\d{4}-\d\d-\d\dT/.test(a) && /^\d{4}-\d\d-\d\dT/.test(b)) return Date.parse(a) === Date.parse(b);
  return false;
}

const compare = (a: unknown, b: unknown): number => {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
};

function intParam(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = param(request, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw badRequest('InvalidQuery', `${name} must be an integer between ${min} and ${max}`);
  return Number(raw);
}

/** The URL of the same request with other query values (absolute, on the host the client called). */
export function selfUrl(request: FastifyRequest, fallbackBase: string, changes: Record<string, string>): string {
  const host = request.headers.host ? `${request.protocol}://${request.headers.host}` : fallbackBase;
  const url = new URL(request.url, host);
  for (const [k, v] of Object.entries(changes)) url.searchParams.set(k, v);
  return url.toString();
}

export interface CollectionSpec<R> {
  /** Whitelisted `$filter` fields (also orderable). */
  filterable: string[];
  /** The answer's item for a record; only the page's records are shaped. */
  shape: (record: R) => Json;
  /** A cheap object exposing the filterable fields (getters are fine); default the full shape. */
  view?: (record: R) => Json;
}

/**
 * Filters, orders and pages `all` (already in creation order, the default order) into the envelope.
 * `_page.total` is the number of matching items (the sheet is unsure whether it counts pages or items).
 * Only the page is shaped, so paging through a big seeded store stays linear.
 */
export function collection<R>(request: FastifyRequest, baseUrl: string, all: R[], spec: CollectionSpec<R>): Envelope<Json> {
  const top = intParam(request, '$top', DEFAULT_TOP, 1, MAX_TOP);
  const skip = intParam(request, '$skip', 0, 0, Number.MAX_SAFE_INTEGER);
  const { filterable, shape } = spec;
  const view = spec.view ?? shape;
  let rows = all;
  const filter = param(request, '$filter');
  if (filter !== undefined && filter.trim() !== '') {
    const clauses = parseFilter(filter, filterable);
    rows = rows.filter((record) => {
      const row = view(record);
      return clauses.every((c) => resolve(row, c.path).some((v) => equal(v, c.value)));
    });
  }
  const orderBy = param(request, '$orderBy') ?? param(request, '$orderby');
  if (orderBy !== undefined && orderBy.trim() !== '') {
    const orderable = [...filterable, 'modificationInfo/createdAt', 'modificationInfo/updatedAt'];
    const keys = orderBy.split(',').map((part) => {
      const [field = '', dir = 'asc', ...extra] = part.trim().split(/\s+/);
      if (extra.length > 0 || !['asc', 'desc'].includes(dir.toLowerCase())) throw badRequest('InvalidQuery', `cannot parse $orderBy '${part.trim()}'`);
      return { path: canonical(field, orderable, '$orderBy'), sign: dir.toLowerCase() === 'desc' ? -1 : 1 };
    });
    const views = new Map(rows.map((r) => [r, view(r)]));
    // Array.prototype.sort is stable: ties keep creation order.
    rows = [...rows].sort((a, b) => {
      for (const k of keys) {
        const d = compare(resolve(views.get(a), k.path)[0], resolve(views.get(b), k.path)[0]);
        if (d !== 0) return d * k.sign;
      }
      return 0;
    });
  }
  const items = rows.slice(skip, skip + top).map(shape);
  const next = skip + top < rows.length ? selfUrl(request, baseUrl, { $skip: String(skip + top), $top: String(top) }) : null;
  const previous = skip > 0 ? selfUrl(request, baseUrl, { $skip: String(Math.max(0, skip - top)), $top: String(top) }) : null;
  return { items, _page: { total: rows.length, limit: top, offset: skip }, _links: { previous, next }, nextPageLink: next, count: items.length };
}
