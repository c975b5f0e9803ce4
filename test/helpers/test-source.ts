// A small paged HTTP data source with injectable faults, for engine tests and benchmarks.
// Plain node:http rather than Fastify so a fault can destroy a socket or hold a response open
// exactly as a flaky platform would. Everything is derived from a seed, so a failing run can be
// replayed request by request.
//
// Records are kept compactly (numeric id, updatedAt in ms, version); names, prices and ISO strings
// are derived on demand, so a million records cost tens of megabytes rather than hundreds.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SourceRecord {
  id: string;
  sku: string;
  name: string;
  price: string; // decimal with two places, e.g. "12.50"
  updatedAt: string; // ISO 8601 with milliseconds, UTC
  version: number;
}

// Request-level rates are mutually exclusive (one draw per request), so they should sum to <= 1.
export interface Faults {
  rate5xx: number; // per request: 500/502/503, rotating
  rate429: number; // per request: 429 with Retry-After
  retryAfterSeconds: number; // Retry-After value, may be fractional (sent as e.g. "0.05")
  rateHang: number; // per request: response held back for hangMs
  hangMs: number;
  rateReset: number; // per request: socket destroyed without a response
  rateMalformedBody: number; // per request: a 200 whose JSON is cut off half-way
  rateMalformedRecord: number; // per record on list pages only: price "not-a-price", sku ""
  // 'same-cursor': a page fetched with a cursor hands back that same cursor as next_cursor;
  // 'same-content': the cursor is ignored, the first page comes back with a fresh cursor each time.
  repeatPage: 'off' | 'same-cursor' | 'same-content';
  slowMs: number; // latency added to every request
}

export interface StartOptions {
  count: number;
  seed?: number;
  faults?: Partial<Faults>;
  maxPageSize?: number; // largest accepted `limit`, default 250
  baseTime?: number; // ms epoch of the initial updatedAt values, default 2026-01-01T00:00:00.000Z
  sameTimestampEvery?: number; // groups of this many consecutive records share one updatedAt
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number | 'reset' | 'hang';
  fault?: string;
  durationMs: number;
}

export interface TestSourceStats {
  requests: number;
  listRequests: number;
  maxConcurrent: number; // of list requests
  inFlight: number; // list requests
  byCursor: Map<string, number>; // list requests per exact cursor value ('' for the first page)
  faults: Record<string, number>;
}

export interface TestSource {
  url: string; // http://127.0.0.1:<port>
  records(): SourceRecord[]; // the current truth, sorted by id
  get(id: string): SourceRecord | undefined;
  update(ids: string[], now?: number): void; // merchant edit; updatedAt = max(now, previous + 1 ms)
  insert(n: number, now?: number): SourceRecord[];
  remove(ids: string[]): void;
  setFaults(f: Partial<Faults>): void;
  clearFaults(): void;
  log: RequestLogEntry[];
  stats(): TestSourceStats;
  resetStats(): void; // clears counters and the log; requests still in flight stay in inFlight
  close(): Promise<void>; // immediate: hanging responses and open sockets are destroyed
}

export const TEST_SOURCE_TOKEN = 'test-token';
const DEFAULT_BASE_TIME = Date.UTC(2026, 0, 1);
const DEFAULT_FAULTS: Faults = {
  rate5xx: 0, rate429: 0, retryAfterSeconds: 0.05, rateHang: 0, hangMs: 2000, rateReset: 0,
  rateMalformedBody: 0, rateMalformedRecord: 0, repeatPage: 'off', slowMs: 0,
};
const STATUSES_5XX = [500, 502, 503] as const;
const PRICE_RANGE = 49_900;
const ADJECTIVES = ['Classic', 'Organic', 'Vintage', 'Compact', 'Deluxe', 'Rustic', 'Modern', 'Bold'];
const NOUNS = ['Mug', 'Poster', 'Hoodie', 'Lamp', 'Tote', 'Notebook', 'Cap', 'Candle'];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A stateless hash, so a record's content depends only on (seed, number, version) and not on
// the order in which records happen to be served.
function mix(seed: number, n: number, salt: number): number {
  let h = (seed ^ Math.imul(n, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

// n: the number in the id (r0000042 -> 42); t: updatedAt in ms; v: version.
interface Rec { n: number; t: number; v: number }
type Reply = { status: number; body: string };

const idOf = (n: number): string => `r${String(n).padStart(7, '0')}`;
const byKey = (a: Rec, b: Rec): number => a.t - b.t || a.n - b.n;
const reply = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });

function numOf(id: string): number | undefined {
  const m = /^r(\d{7,})$/.exec(id);
  const n = Number(m?.[1]);
  return m && idOf(n) === id ? n : undefined;
}

// The nonce only makes otherwise identical cursors differ (repeatPage 'same-content').
function encodeCursor(r: Rec, nonce?: number): string {
  const body: { u: string; id: string; k?: number } = { u: new Date(r.t).toISOString(), id: idOf(r.n) };
  if (nonce !== undefined) body.k = nonce;
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(s: string): Pick<Rec, 't' | 'n'> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  try {
    const { u, id } = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { u?: unknown; id?: unknown };
    const t = typeof u === 'string' ? Date.parse(u) : NaN;
    const n = typeof id === 'string' ? numOf(id) : undefined;
    return Number.isNaN(t) || n === undefined ? undefined : { t, n };
  } catch {
    return undefined; // not JSON, or JSON null
  }
}

// Index of the first record whose (t, n) is strictly greater than the given key. With n = -1 it is
// the first record with updatedAt >= t, which is how window bounds are found.
function upperBound(arr: Rec[], t: number, n: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = arr[mid]!;
    if (r.t < t || (r.t === t && r.n <= n)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parseTime(s: string | undefined, fallback: number): number | undefined {
  if (s === undefined || s === '') return fallback;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

export async function startTestSource(opts: StartOptions): Promise<TestSource> {
  const seed = opts.seed ?? 1;
  const maxPageSize = opts.maxPageSize ?? 250;
  const baseTime = opts.baseTime ?? DEFAULT_BASE_TIME;
  const group = opts.sameTimestampEvery ?? 1;
  if (!Number.isInteger(group) || group < 1) throw new Error('sameTimestampEvery must be a positive integer');
  // Separate streams, so per-record draws on a list page never shift the per-request fault sequence.
  const requestRng = mulberry32(seed ^ 0x0fa017);
  const recordRng = mulberry32(seed ^ 0x5eed5);
  let faults: Faults = { ...DEFAULT_FAULTS, ...opts.faults };

  // `ordered` is sorted by (updatedAt, id) and serves pages; byNum[n] is record rN, for lookups.
  let ordered: Rec[] = [];
  const byNum: (Rec | undefined)[] = [undefined];
  for (let i = 1; i <= opts.count; i++) {
    const r: Rec = { n: i, t: baseTime + 1 + Math.floor((i - 1) / group) * group, v: 1 };
    ordered.push(r);
    byNum.push(r);
  }
  let nextNum = opts.count + 1;

  const materialize = (r: Rec): SourceRecord => {
    // Consecutive versions always differ in price: the step is never a multiple of the range.
    const step = 1 + (mix(seed, r.n, 1) % (PRICE_RANGE - 1));
    const cents = 100 + ((mix(seed, r.n, 0) % PRICE_RANGE) + (r.v - 1) * step) % PRICE_RANGE;
    const h = mix(seed, r.n, r.v + 1);
    const name = `${ADJECTIVES[h % ADJECTIVES.length] ?? ''} ${NOUNS[(h >>> 8) % NOUNS.length] ?? ''} ${h % 1000}`;
    const id = idOf(r.n);
    return {
      id,
      sku: `SKU-${id}`,
      name: r.v === 1 ? name : `${name} (rev ${r.v})`,
      price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      updatedAt: new Date(r.t).toISOString(),
      version: r.v,
    };
  };

  const lookup = (id: string): Rec | undefined => byNum[numOf(id) ?? 0];
  const mustLookup = (ids: string[]): Rec[] =>
    [...new Set(ids)].map((id) => {
      const r = lookup(id);
      if (!r) throw new Error(`test source: unknown record ${id}`);
      return r;
    });

  const removeFromOrder = (recs: Rec[]): void => {
    if (recs.length > 32) {
      const gone = new Set(recs);
      ordered = ordered.filter((r) => !gone.has(r));
      return;
    }
    for (const r of recs) {
      const i = upperBound(ordered, r.t, r.n) - 1;
      if (ordered[i] === r) ordered.splice(i, 1);
    }
  };

  const insertIntoOrder = (recs: Rec[]): void => {
    for (const r of [...recs].sort(byKey)) {
      const last = ordered[ordered.length - 1];
      if (!last || byKey(last, r) < 0) ordered.push(r);
      else ordered.splice(upperBound(ordered, r.t, r.n), 0, r);
    }
  };

  const log: RequestLogEntry[] = [];
  const zero = () => ({ requests: 0, listRequests: 0, maxConcurrent: 0, byCursor: new Map<string, number>(), faults: {} as Record<string, number> });
  let st = zero();
  let inFlight = 0;
  let rotation5xx = 0;
  let sameContentNonce = 0;
  const noteFault = (entry: RequestLogEntry, name: string, by = 1): void => {
    st.faults[name] = (st.faults[name] ?? 0) + by;
    entry.fault = entry.fault ? `${entry.fault},${name}` : name;
  };

  // One draw per request against cumulative thresholds, so each request-level fault happens at
  // exactly its configured rate whatever the others are set to.
  const drawRequestFault = (f: Faults): '5xx' | '429' | 'hang' | 'reset' | 'malformedBody' | undefined => {
    const u = requestRng();
    let acc = f.rateReset;
    if (u < acc) return 'reset';
    if (u < (acc += f.rate5xx)) return '5xx';
    if (u < (acc += f.rate429)) return '429';
    if (u < (acc += f.rateHang)) return 'hang';
    if (u < (acc += f.rateMalformedBody)) return 'malformedBody';
    return undefined;
  };

  const listPage = (query: Record<string, string>, f: Faults, entry: RequestLogEntry): Reply => {
    const limit = query.limit === undefined ? Math.min(100, maxPageSize) : /^\d+$/.test(query.limit) ? Number(query.limit) : 0;
    if (limit < 1 || limit > maxPageSize) return reply(400, { error: `limit must be an integer from 1 to ${maxPageSize}` });
    const minT = parseTime(query.updated_min, -Infinity);
    const maxT = parseTime(query.updated_max, Infinity);
    if (minT === undefined || maxT === undefined) return reply(400, { error: 'updated_min/updated_max must be ISO 8601' });
    const cursor = query.cursor ?? '';
    const key = cursor === '' ? undefined : decodeCursor(cursor);
    if (cursor !== '' && !key) return reply(400, { error: 'invalid cursor' });

    const windowStart = upperBound(ordered, minT, -1);
    const windowEnd = upperBound(ordered, maxT, -1);
    const resume = key && f.repeatPage !== 'same-content';
    const start = resume ? Math.max(windowStart, upperBound(ordered, key.t, key.n)) : windowStart;
    const end = Math.max(start, Math.min(start + limit, windowEnd));

    let corrupted = 0;
    const items: SourceRecord[] = [];
    for (let i = start; i < end; i++) {
      const rec = materialize(ordered[i]!);
      if (recordRng() < f.rateMalformedRecord) {
        rec.price = 'not-a-price';
        rec.sku = '';
        corrupted++;
      }
      items.push(rec);
    }
    if (corrupted > 0) noteFault(entry, 'malformedRecord', corrupted);

    const last = end > start ? ordered[end - 1] : undefined;
    let next = last && end < windowEnd ? encodeCursor(last) : null;
    if (f.repeatPage === 'same-cursor' && cursor !== '') next = cursor;
    if (f.repeatPage === 'same-content') next = last ? encodeCursor(last, ++sameContentNonce) : null;
    return reply(200, { items, next_cursor: next, total: Math.max(0, windowEnd - windowStart) });
  };

  const route = (req: http.IncomingMessage, path: string, query: Record<string, string>, f: Faults, entry: RequestLogEntry) => {
    if (req.headers.authorization !== `Bearer ${TEST_SOURCE_TOKEN}`) return reply(401, { error: 'unauthorized' });
    if (req.method !== 'GET') return reply(405, { error: 'method not allowed' });
    if (path === '/records') return listPage(query, f, entry);
    const r = path.startsWith('/records/') ? lookup(path.slice('/records/'.length)) : undefined;
    return r ? reply(200, materialize(r)) : reply(404, { error: 'not found' });
  };

  let closed = false;
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://source.invalid');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const isList = req.method === 'GET' && path === '/records';
    const entry: RequestLogEntry = { at: Date.now(), method: req.method ?? 'GET', path, query, status: 0, durationMs: 0 };
    log.push(entry);
    st.requests++;
    if (isList) {
      st.listRequests++;
      st.maxConcurrent = Math.max(st.maxConcurrent, ++inFlight);
      st.byCursor.set(query.cursor ?? '', (st.byCursor.get(query.cursor ?? '') ?? 0) + 1);
    }
    // A snapshot, so a setFaults() while this request hangs does not change how it ends.
    const f = { ...faults };
    const fault = drawRequestFault(f);
    if (fault && fault !== 'malformedBody') noteFault(entry, fault); // that one only counts if applied
    if (fault === 'reset' || fault === 'hang') entry.status = fault;

    let timer: NodeJS.Timeout | undefined;
    // Fires on a normal finish and when the socket dies (client abort, reset fault, close()).
    res.on('close', () => {
      if (isList) inFlight--;
      entry.durationMs = performance.now() - started;
      clearTimeout(timer);
    });

    const respond = (): void => {
      if (closed || res.destroyed) return;
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      let out: Reply;
      const headers: Record<string, string | number> = { 'content-type': 'application/json' };
      if (fault === '5xx') {
        const status = STATUSES_5XX[rotation5xx++ % STATUSES_5XX.length] ?? 500;
        out = reply(status, { error: `simulated ${status}` });
      } else if (fault === '429') {
        out = reply(429, { error: 'rate limited' });
        headers['retry-after'] = String(f.retryAfterSeconds);
      } else {
        out = route(req, path, query, f, entry);
        if (fault === 'malformedBody' && out.status === 200) {
          out.body = out.body.slice(0, Math.max(1, Math.floor(out.body.length / 2)));
          noteFault(entry, 'malformedBody');
        }
      }
      if (entry.status !== 'hang') entry.status = out.status;
      headers['content-length'] = Buffer.byteLength(out.body);
      res.writeHead(out.status, headers);
      res.end(out.body);
    };

    const delay = f.slowMs + (fault === 'hang' ? f.hangMs : 0);
    if (delay > 0) timer = setTimeout(respond, delay);
    else respond(); // no timer on the fast path: benchmarks measure this
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    records: () => byNum.filter((r): r is Rec => r !== undefined).map(materialize),
    get: (id) => {
      const r = lookup(id);
      return r ? materialize(r) : undefined;
    },
    update: (ids, now = Date.now()) => {
      const recs = mustLookup(ids);
      removeFromOrder(recs);
      // Strictly later than before, so an edited record only ever moves forward in keyset order.
      for (const r of recs) {
        r.t = Math.max(now, r.t + 1);
        r.v++;
      }
      insertIntoOrder(recs);
    },
    insert: (n, now = Date.now()) => {
      const recs = Array.from({ length: n }, (): Rec => ({ n: nextNum++, t: now, v: 1 }));
      for (const r of recs) byNum[r.n] = r;
      insertIntoOrder(recs);
      return recs.map(materialize);
    },
    remove: (ids) => {
      const recs = mustLookup(ids);
      removeFromOrder(recs);
      for (const r of recs) byNum[r.n] = undefined;
    },
    setFaults: (f) => {
      faults = { ...faults, ...f };
    },
    clearFaults: () => {
      faults = { ...DEFAULT_FAULTS };
    },
    stats: () => ({ ...st, inFlight, byCursor: new Map(st.byCursor), faults: { ...st.faults } }),
    resetStats: () => {
      st = { ...zero(), maxConcurrent: inFlight };
      log.length = 0;
    },
    // Destroying every socket also fires each pending response's 'close', which clears its timer.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}
