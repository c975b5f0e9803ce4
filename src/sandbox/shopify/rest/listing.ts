// REST legacy listing: filters (since_id, updated_at/created_at min/max, ids, status), `limit` <= 250 and
// cursor paging by opaque `page_info` that remembers the filters (Shopify allows only limit and fields
// next to it), exposed through `Link` rel="next"/"previous" headers.
import type { ShopifyStore } from '../store/store.js';
import type { Page } from '../store/listing.js';
import { InvalidCursorError, paginate } from '../store/listing.js';
import { encodeCursor } from '../ids.js';

export const REST_DEFAULT_LIMIT = 50;
export const REST_MAX_LIMIT = 250;

export type Query = Record<string, string | undefined>;
const FILTERS = ['since_id', 'updated_at_min', 'updated_at_max', 'created_at_min', 'created_at_max', 'ids', 'status', 'processed_at_min', 'processed_at_max'];

interface PageInfo {
  filters: Query;
  cursor: string;
  direction: 'next' | 'previous';
}

export class RestQueryError extends Error {
  constructor(readonly body: unknown) {
    super('invalid REST query');
  }
}

function encodePageInfo(info: PageInfo): string {
  return Buffer.from(JSON.stringify(info)).toString('base64url');
}

function decodePageInfo(value: string): PageInfo {
  try {
    const info = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as PageInfo;
    if (typeof info.cursor !== 'string' || (info.direction !== 'next' && info.direction !== 'previous')) throw new Error('bad');
    return info;
  } catch {
    throw new RestQueryError({ errors: { page_info: 'Invalid value.' } });
  }
}

function date(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new RestQueryError({ errors: { [name]: 'is invalid' } });
  return at;
}

interface Filterable {
  id: number;
  createdAt: number;
  updatedAt: number;
  processedAt?: number;
}

export function restFilter<T extends Filterable>(filters: Query, statusOf?: (r: T) => string[]): (r: T) => boolean {
  const sinceId = filters.since_id === undefined ? undefined : Number(filters.since_id);
  const bounds = {
    updatedMin: date(filters.updated_at_min, 'updated_at_min'), updatedMax: date(filters.updated_at_max, 'updated_at_max'),
    createdMin: date(filters.created_at_min, 'created_at_min'), createdMax: date(filters.created_at_max, 'created_at_max'),
    processedMin: date(filters.processed_at_min, 'processed_at_min'), processedMax: date(filters.processed_at_max, 'processed_at_max'),
  };
  const ids = filters.ids === undefined ? undefined : new Set(filters.ids.split(',').map((s) => Number(s.trim())));
  const status = filters.status;
  return (r) =>
    (sinceId === undefined || r.id > sinceId) &&
    (ids === undefined || ids.has(r.id)) &&
    (bounds.updatedMin === undefined || r.updatedAt >= bounds.updatedMin) &&
    (bounds.updatedMax === undefined || r.updatedAt <= bounds.updatedMax) &&
    (bounds.createdMin === undefined || r.createdAt >= bounds.createdMin) &&
    (bounds.createdMax === undefined || r.createdAt <= bounds.createdMax) &&
    (bounds.processedMin === undefined || (r.processedAt ?? r.createdAt) >= bounds.processedMin) &&
    (bounds.processedMax === undefined || (r.processedAt ?? r.createdAt) <= bounds.processedMax) &&
    (status === undefined || status === 'any' || statusOf === undefined || statusOf(r).includes(status));
}

export interface RestPage<T> {
  page: Page<T>;
  limit: number;
  filters: Query;
}

export function restPage<T extends Filterable>(
  store: ShopifyStore, collection: 'products' | 'orders' | 'customers', query: Query, defaults: Query,
  filterFor: (filters: Query) => (r: T) => boolean,
): RestPage<T> {
  const limit = query.limit === undefined ? REST_DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > REST_MAX_LIMIT) {
    throw new RestQueryError({ errors: { limit: `must be between 1 and ${REST_MAX_LIMIT}` } });
  }
  let filters: Query;
  let args: { first?: number; last?: number; after?: string; before?: string } = { first: limit };
  if (query.page_info !== undefined) {
    const extra = Object.keys(query).filter((k) => k !== 'page_info' && k !== 'limit' && k !== 'fields');
    if (extra.length > 0) throw new RestQueryError({ errors: { page_info: 'Invalid value.' } });
    const info = decodePageInfo(query.page_info);
    filters = info.filters;
    args = info.direction === 'next' ? { first: limit, after: info.cursor } : { last: limit, before: info.cursor };
  } else {
    filters = { ...defaults };
    for (const key of FILTERS) if (query[key] !== undefined) filters[key] = query[key];
  }
  const sorted = store.sorted<T>(collection, 'ID');
  try {
    return { page: paginate(sorted, (r) => ({ lastId: r.id, lastValue: r.id }), args, filterFor(filters)), limit, filters };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new RestQueryError({ errors: { page_info: 'Invalid value.' } });
    throw error;
  }
}

/** The Link header: absent for a single page; `fields` is carried along as Shopify allows. */
export function linkHeader<T extends { id: number }>(base: string, result: RestPage<T>, fields: string | undefined): string | undefined {
  const { page, limit, filters } = result;
  const links: string[] = [];
  const url = (info: PageInfo) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (fields) params.set('fields', fields);
    params.set('page_info', encodePageInfo(info));
    return `${base}?${params.toString()}`;
  };
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  if (page.hasPreviousPage && first) {
    links.push(`<${url({ filters, cursor: encodeCursor({ lastId: first.id, lastValue: first.id }), direction: 'previous' })}>; rel="previous"`);
  }
  if (page.hasNextPage && last) {
    links.push(`<${url({ filters, cursor: encodeCursor({ lastId: last.id, lastValue: last.id }), direction: 'next' })}>; rel="next"`);
  }
  return links.length > 0 ? links.join(', ') : undefined;
}

export function pickFields(item: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
  if (!fields) return item;
  const wanted = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(item).filter(([k]) => wanted.has(k)));
}
