// What the fuzz test sends and checks: hostile strings and bodies, the app's routes read from
// Fastify, and a fingerprint of the hub tables.
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import type { Queryable } from '../../src/store/db.js';

export interface Route {
  method: string;
  url: string;
}

/**
 * Every route of the app, from Fastify's own route tree (printRoutes), so a route added later is
 * fuzzed without a change to the test. Each line is one tree level deeper per four columns of
 * indentation and holds the path part after its parent's, then the methods.
 */
export function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const parts: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    parts.length = m[1]!.length / 4;
    parts.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) routes.push({ method, url: parts.join('') });
  }
  return routes;
}

const HOSTILE = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '%00', '..', '../../etc/passwd', "' OR 1=1 --", '1e400', '-1', '0', '1e20',
  '9'.repeat(40), 'NaN', 'Infinity', 'null', 'true', '[]', '{}', '__proto__', 'constructor', '2025-02-30T00:00:00Z', '0000-00-00',
  'ＡＢＣ', '😀', '\r\n', '<script>alert(1)</script>', 'a'.repeat(3000),
];

/** What has broken servers like this one before: the most likely of all to find a 500. */
const NASTY = [
  '\u0000', 'a\u0000', '\ud800', '-'.repeat(36), '0123456789abcdef0123456789abcdef----', '1e400', '2025-02-30T00:00:00Z', '9'.repeat(40),
  Buffer.from(JSON.stringify(['1', '0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b'])).toString('base64url'),
  Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000000Z', '-'.repeat(36)])).toString('base64url'),
  Buffer.from(JSON.stringify(['catalog', '-'.repeat(36)])).toString('base64url'),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY), weight: 3 },
  { arbitrary: fc.constantFrom(...HOSTILE), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` for a URL: percent-encoded, with an unpaired surrogate sent as the bytes of one (invalid UTF-8).
 * `wellFormed` sends U+FFFD instead and keeps a path parameter within Fastify's 100 characters, for an
 * app whose router errors (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) are not yet enveloped.
 */
export function urlPart(s: string, opts: { wellFormed?: boolean; path?: boolean } = {}): string {
  if (!opts.wellFormed) return s.split(LONE_SURROGATE).map((piece) => encodeURIComponent(piece)).join('%ED%A0%80');
  let text = s.replace(LONE_SURROGATE, '\uFFFD');
  // Fastify measures the parameter as sent, percent-escapes included.
  while (opts.path && encodeURIComponent(text).length > 100) text = text.slice(0, -1).replace(LONE_SURROGATE, '');
  return encodeURIComponent(text);
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Values that PostgreSQL cannot store, as JSON text: one of them makes any payload unusable. */
const POISON_VALUES = ['"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"x\\udfff"', '1e400', '-1e999', nested(150), nested(5_000)];

const leaf = (idArb: fc.Arbitrary<string>) =>
  fc.oneof(hostileString, idArb, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(1e20, 2 ** 53 + 2, -0, 0.1));

/** A key the API takes somewhere, or any other. */
const BODY_KEYS = ['platform', 'name', 'settings', 'credentials', 'webhookSecret', 'schedule', 'streams', 'mode', 'wait', 'deadlineSeconds', 'ids',
  'connectionId', 'runId', 'status', 'shop', 'baseUrl', 'shopDomain', 'accessToken', 'everyMinutes', 'apiVersion'];

/** Bodies the API takes, so that one hostile value in them gets past validation to the handler and the database. */
const TEMPLATES: Record<string, unknown>[] = [
  { platform: 'shopify', name: 'fuzzed', settings: { shopDomain: 'acme.myshopify.com' }, credentials: { accessToken: 'shpat_x', apiSecret: 's' }, webhookSecret: 'w', schedule: { everyMinutes: 5, streams: ['orders'] } },
  { platform: 'printful', name: 'fuzzed-pf', settings: { apiVersion: 'v2', catalogMaxAgeMinutes: 5 }, credentials: { token: 't', webhookSecret: 'abcd' } },
  { name: 'renamed', settings: { apiVersion: '2025-04' }, credentials: { accessToken: 'shpat_y' }, status: 'active', schedule: { everyMinutes: 10, mode: 'full' } },
  { streams: ['products'], mode: 'full', wait: 0, deadlineSeconds: 60 },
  { platform: 'shopify', streams: ['orders'], mode: 'incremental' },
  { ids: ['0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b'], connectionId: '0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b', runId: '0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b' },
  { shop: 'acme.myshopify.com', name: 'installed' },
];

/** Paths to every value of a JSON document, containers included. */
function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [at];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [at, ...entries.flatMap(([k, x]) => pathsOf(x, [...at, k]))];
}

function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = Array.isArray(doc) ? [...doc] : { ...(doc as Record<string, unknown>) };
  const [head, ...rest] = path;
  (copy as Record<string | number, unknown>)[head!] = replaced((doc as Record<string | number, unknown>)[head!], rest, value);
  return copy;
}

/** A request body as sent: a body the API takes with one or two values made hostile, JSON of hostile values and the API's own keys, or text that is not JSON, too deep or too big. */
export function hostileBody(idArb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const mutated = fc
    .tuple(fc.constantFrom(...TEMPLATES), fc.array(fc.tuple(fc.nat(), leaf(idArb)), { minLength: 1, maxLength: 2 }))
    .map(([template, changes]) => changes.reduce<unknown>((doc, [pick, value]) => {
      const paths = pathsOf(doc);
      return replaced(doc, paths[pick % paths.length]!, value);
    }, template))
    // A real `wait` would hold the request open until the runs end, which they never do here.
    .map((doc) => JSON.stringify(typeof doc === 'object' && doc !== null && 'wait' in doc ? { ...doc, wait: 0 } : doc));
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { arbitrary: leaf(idArb), weight: 4 },
      { arbitrary: fc.array(tie('v'), { maxLength: 3 }), weight: 1 },
      { arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...BODY_KEYS), hostileString), tie('v'), { maxKeys: 4 }), weight: 1 },
    ),
  })).v;
  const object = fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom(...BODY_KEYS), weight: 3 }, { arbitrary: hostileString, weight: 1 }), value, { maxKeys: 6 })
    // A real `wait` would hold the request open until the runs end, which they never do here.
    .map((o) => ('wait' in o && typeof o.wait === 'number' ? { ...o, wait: Math.min(o.wait, 0.05) } : o));
  return fc.oneof(
    { arbitrary: mutated, weight: 6 },
    { arbitrary: object.map((o) => JSON.stringify(o)), weight: 4 },
    { arbitrary: fc.tuple(object, fc.constantFrom(...POISON_VALUES)).map(([o, bad]) => JSON.stringify({ ...o, poison: '@@' }).replace('"@@"', bad)), weight: 2 },
    { arbitrary: fc.constantFrom('', 'null', '[]', '"text"', '{', '{"a":tru}', '\u0000', '{"a":1,"a":2}', '{"__proto__":{"x":1}}', `{"a":${'9'.repeat(400)}}`), weight: 1 },
    { arbitrary: fc.constantFrom(nested(30_000), `{"name":"${'x'.repeat(1_100_000)}"}`), weight: 1 },
  );
}

/**
 * A webhook body that no receiver can turn into a hub change, so the hub must come out of the fuzz
 * unchanged even for signed deliveries: text that is not a JSON object, JSON holding a value that
 * cannot be stored, or random JSON without the keys that name a record (`id`, `admin_graphql_api_id`,
 * Printful's `type`).
 */
export const webhookBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...POISON_VALUES)).map(([v, bad]) => JSON.stringify({ v, poison: '@@' }).replace('"@@"', bad)),
  fc
    .jsonValue({ maxDepth: 4, stringUnit: 'binary' })
    .filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && ['id', 'admin_graphql_api_id', 'type', 'inventory_item_id'].some((k) => k in v)))
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(nested(50_000), '{"id": 1, "variants": [tru', `{"updated_at": 1e20, "x": "\\u0000"}`),
);

const HUB_TABLES = ['products', 'stock_levels', 'customers', 'orders', 'order_lines', 'catalog_items', 'links', 'conflicts', 'sync_log'];
export const EMPTY_TABLE_HASH = 'd41d8cd98f00b204e9800998ecf8427e';

/** md5 of every row of each hub table, in a fixed order. */
export async function hubFingerprint(db: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of HUB_TABLES) {
    const { rows } = await db.query<{ h: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${table} t`);
    out[table] = rows[0]!.h;
  }
  return out;
}
