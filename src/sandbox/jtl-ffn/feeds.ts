// The `/updates` change feeds (section 3): `fromDate` (required), `toDate` (default: the server's now plus the
// clock-skew fault), `page`, `ignoreOwnApplicationId`, `ignoreOwnUserId`. Entries are changes with a change
// time in (from, to], ordered by change time; stock entries are one StockChange each, product and outbound
// entries one whole object (latest state) per object changed in the window. Chunks of `feedChunkSize` with
// `moreDataAvailable` and a `nextChunkUrl` that pins the same window, so paging never slides.
import type { FastifyRequest } from 'fastify';
import { badRequest } from './errors.js';
import { callerOf } from './guard.js';
import { param, selfUrl } from './query.js';
import type { FfnRuntime } from './runtime.js';
import { iso, outboundJson, productJson, stockChangeJson } from './shapes.js';
import type { Actor, ChangeRec } from './store.js';

interface Window {
  from: number;
  to: number;
  page: number;
  /** Hides changes made by the caller's own application or user. */
  hidden: (actor: Actor) => boolean;
}

export interface FeedAnswer {
  from: string;
  to: string;
  data: unknown[];
  moreDataAvailable: boolean;
  nextChunkUrl: string | null;
}

/** ISO dates; a value without an offset is read as UTC (the server's zone), not as the sandbox host's zone. */
function date(raw: string, name: string): number {
  const withZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(raw) || !raw.includes('T') ? raw : `${raw}Z`;
  const ms = Date.parse(withZone);
  if (!Number.isFinite(ms)) throw badRequest('InvalidQuery', `${name} must be an ISO 8601 date-time`);
  return ms;
}

function flag(request: FastifyRequest, name: string): boolean {
  const raw = param(request, name);
  if (raw === undefined || raw === '') return false;
  if (!/^(true|false)$/i.test(raw)) throw badRequest('InvalidQuery', `${name} must be true or false`);
  return raw.toLowerCase() === 'true';
}

function window(runtime: FfnRuntime, request: FastifyRequest): Window {
  const fromRaw = param(request, 'fromDate');
  if (fromRaw === undefined || fromRaw === '') throw badRequest('InvalidQuery', 'fromDate is required');
  const from = date(fromRaw, 'fromDate');
  const toRaw = param(request, 'toDate');
  // Changes after this read are stamped later than this `to` (runtime.stamp), so none falls behind it unless
  // the skew fault moves it ahead of the clock, which is exactly that fault's point.
  const to = toRaw === undefined || toRaw === '' ? runtime.feedNow() : date(toRaw, 'toDate');
  const pageRaw = param(request, 'page') ?? '1';
  if (!/^\d+$/.test(pageRaw) || Number(pageRaw) < 1) throw badRequest('InvalidQuery', 'page must be a positive integer');
  const me = callerOf(request).actor;
  const ignoreApp = flag(request, 'ignoreOwnApplicationId');
  const ignoreUser = flag(request, 'ignoreOwnUserId');
  return {
    from, to, page: Number(pageRaw),
    hidden: (actor) => (ignoreApp && actor.applicationId !== null && actor.applicationId === me.applicationId)
      || (ignoreUser && actor.userId !== null && actor.userId === me.userId),
  };
}

/** Shapes only the chunk's entries: a wide window over a big seeded store must stay cheap per page. */
function chunk<T>(runtime: FfnRuntime, request: FastifyRequest, w: Window, entries: T[], shape: (entry: T) => unknown): FeedAnswer {
  const size = runtime.options.feedChunkSize;
  const start = (w.page - 1) * size;
  let rows = entries.slice(start, start + size);
  // The fault: a chunk boundary served twice, as a feed paging on `>=` a timestamp would.
  const repeated = entries[start - 1];
  if (runtime.faults.current.repeatFeedItems && w.page > 1 && repeated !== undefined && start < entries.length) rows = [repeated, ...rows];
  const more = start + size < entries.length;
  const to = iso(w.to);
  return {
    from: iso(w.from), to, data: rows.map(shape), moreDataAvailable: more,
    nextChunkUrl: more ? selfUrl(request, runtime.baseUrl, { fromDate: iso(w.from), toDate: to, page: String(w.page + 1) }) : null,
  };
}

const inWindow = (w: Window, at: number) => at > w.from && at <= w.to;

/** One entry per object: its last visible change inside the window decides its position. */
function latestPerObject(w: Window, changes: ChangeRec[]): { id: string; at: number; seq: number; times: number[] }[] {
  const byId = new Map<string, { id: string; at: number; seq: number; times: number[] }>();
  for (const c of changes) {
    if (!inWindow(w, c.at) || w.hidden(c.actor)) continue;
    const seen = byId.get(c.id);
    if (!seen) byId.set(c.id, { id: c.id, at: c.at, seq: c.seq, times: [c.at] });
    else {
      seen.times.push(c.at);
      if (c.at > seen.at || (c.at === seen.at && c.seq > seen.seq)) Object.assign(seen, { at: c.at, seq: c.seq });
    }
  }
  return [...byId.values()].sort((a, b) => a.at - b.at || a.seq - b.seq);
}

export function stockFeed(runtime: FfnRuntime, request: FastifyRequest): FeedAnswer {
  const w = window(runtime, request);
  const entries = runtime.store.stockChanges
    .filter((c) => inWindow(w, c.at) && !w.hidden(c.actor))
    .sort((a, b) => a.at - b.at || a.seq - b.seq);
  return chunk(runtime, request, w, entries, (c) => stockChangeJson(runtime, c));
}

export function productFeed(runtime: FfnRuntime, request: FastifyRequest): FeedAnswer {
  const w = window(runtime, request);
  return chunk(runtime, request, w, latestPerObject(w, runtime.store.productChanges), (e) => {
    const p = runtime.store.products.get(e.id);
    return p ? productJson(runtime, p, e.times) : null;
  });
}

export function outboundFeed(runtime: FfnRuntime, request: FastifyRequest): FeedAnswer {
  const w = window(runtime, request);
  return chunk(runtime, request, w, latestPerObject(w, runtime.store.outboundChanges), (e) => {
    const o = runtime.store.outbounds.get(e.id);
    return o ? outboundJson(runtime, o, e.times) : null;
  });
}
