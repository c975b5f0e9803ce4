// Collection reads (section 3): page/per_page/offset with WP core's bounds, orderby/order per resource with
// the ID tie-breaker on date sorts, date filters, and the X-WP-Total / X-WP-TotalPages / Link headers built
// from the request's own query. The pageRepeat fault lives here too.
import type { FastifyReply } from 'fastify';
import { parseFilterDate, seconds } from './dates.js';
import { invalidParams } from './errors.js';
import type { WooRuntime } from './runtime.js';

export type Query = Record<string, string | string[] | undefined>;

export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A list parameter as comma list, repeated key or `name[]`. */
export function list(q: Query, name: string): string[] | undefined {
  const raw = [q[name], q[`${name}[]`]].flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
  if (raw.length === 0) return undefined;
  return raw.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function intParam(q: Query, name: string, def: number, min: number, max: number): number {
  const raw = one(q, name);
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalidParams({ [name]: `${name} is not of type integer.` });
  if (n < min || n > max) throw invalidParams({ [name]: `${name} must be between ${min} (inclusive) and ${max} (inclusive)` });
  return n;
}

export interface SortKey<T> { [orderby: string]: (r: T) => number | string }

export interface ListSpec<T extends { id: number }> {
  /** Collection path below /wp-json/wc/v3, for Link headers and the pageRepeat memory. */
  route: string;
  orderby: SortKey<T>;
  defaultOrderby: string;
  defaultOrder: 'asc' | 'desc';
  /** Date filters exist (products, orders) or are ignored (customers, webhooks: no such parameters). */
  dates?: { created: (r: T) => number; modified: (r: T) => number };
}

function dateFilters<T>(runtime: WooRuntime, q: Query, spec: { created: (r: T) => number; modified: (r: T) => number }): ((r: T) => boolean)[] {
  const gmt = one(q, 'dates_are_gmt') === 'true' || one(q, 'dates_are_gmt') === '1';
  const inclusive = runtime.options.inclusiveDateFilters;
  const out: ((r: T) => boolean)[] = [];
  const bad: Record<string, string> = {};
  for (const [name, get, after] of [
    ['after', spec.created, true], ['before', spec.created, false], ['modified_after', spec.modified, true], ['modified_before', spec.modified, false],
  ] as const) {
    const raw = one(q, name);
    if (raw === undefined) continue;
    const bound = parseFilterDate(raw, runtime.options.timeZone, gmt);
    if (bound === null) {
      bad[name] = 'Invalid date.';
      continue;
    }
    out.push((r) => {
      const t = seconds(get(r));
      return after ? (inclusive ? t >= bound : t > bound) : inclusive ? t <= bound : t < bound;
    });
  }
  if (Object.keys(bad).length > 0) throw invalidParams(bad);
  return out;
}

/** Filters (date filters + `extra`), sorts, pages, sets the headers; returns the page's records. */
export function paginate<T extends { id: number }>(
  runtime: WooRuntime, q: Query, reply: FastifyReply, rows: T[], spec: ListSpec<T>, extra: ((r: T) => boolean)[] = [],
): T[] {
  const perPage = intParam(q, 'per_page', 10, 1, 100);
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const offsetRaw = one(q, 'offset');
  const offset = offsetRaw === undefined ? null : intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const orderby = one(q, 'orderby') ?? spec.defaultOrderby;
  const allowed = Object.keys(spec.orderby);
  if (!allowed.includes(orderby)) throw invalidParams({ orderby: `orderby is not one of ${allowed.join(', ')}.` });
  const order = one(q, 'order') ?? spec.defaultOrder;
  if (order !== 'asc' && order !== 'desc') throw invalidParams({ order: 'order is not one of asc, desc.' });
  const include = list(q, 'include')?.map(Number);
  const exclude = new Set(list(q, 'exclude')?.map(Number) ?? []);
  const filters = [...extra, ...(spec.dates ? dateFilters(runtime, q, spec.dates) : [])];
  if (include) filters.push((r) => include.includes(r.id));
  if (exclude.size > 0) filters.push((r) => !exclude.has(r.id));
  const matching = rows.filter((r) => filters.every((f) => f(r)));
  const key = spec.orderby[orderby] ?? ((r: T) => r.id);
  const dir = order === 'asc' ? 1 : -1;
  const rank = orderby === 'include' && include ? (r: T) => include.indexOf(r.id) : key;
  // Every sort ends on ID in the same direction ("date ID"), so offset paging is stable under equal timestamps.
  matching.sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || (a.id - b.id) * dir;
  });
  const start = offset ?? (page - 1) * perPage;
  let items = matching.slice(start, start + perPage);
  const total = matching.length;
  const totalPages = Math.ceil(total / perPage);
  const memory = `${spec.route}?${perPage}`;
  if (runtime.faults.current.pageRepeat && page > 1 && runtime.lastPages.has(memory)) {
    items = runtime.lastPages.get(memory) as T[];
    reply.header('x-sandbox-fault', 'page-repeat');
  }
  runtime.lastPages.set(memory, items);
  setPagingHeaders(runtime, q, reply, spec.route, page, total, totalPages);
  return items;
}

function setPagingHeaders(runtime: WooRuntime, q: Query, reply: FastifyReply, route: string, page: number, total: number, totalPages: number): void {
  reply.header('X-WP-Total', String(total));
  reply.header('X-WP-TotalPages', String(totalPages));
  reply.header('Access-Control-Expose-Headers', 'X-WP-Total, X-WP-TotalPages, Link');
  const base = `${runtime.home()}/wp-json/wc/v3/${route}`;
  const href = (p: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) if (k !== 'page') params.append(k, x);
    params.set('page', String(p));
    return `<${base}?${params.toString()}>`;
  };
  const links: string[] = [];
  if (runtime.options.linkFirstLast && totalPages > 0) links.push(`${href(1)}; rel="first"`);
  if (page > 1) links.push(`${href(Math.min(page - 1, Math.max(totalPages, 1)))}; rel="prev"`);
  if (totalPages > page) links.push(`${href(page + 1)}; rel="next"`);
  if (runtime.options.linkFirstLast && totalPages > 0) links.push(`${href(totalPages)}; rel="last"`);
  if (links.length > 0) reply.header('Link', links.join(', '));
}
