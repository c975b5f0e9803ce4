// Authentication as class-wc-rest-authentication.php does it (section 1): Basic or consumer_key/secret
// query auth when the server sees HTTPS (here: when allowInsecureAuth is set, since the sandbox speaks
// http), otherwise — and after a Basic attempt that found no key — one-legged OAuth 1.0a over the
// query, form body or `Authorization: OAuth` header, with the base string built from the home URL.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { WooError } from './errors.js';
import type { ApiKey } from './options.js';
import type { WooRuntime } from './runtime.js';

export type AuthMethod = 'basic' | 'query' | 'oauth';
export interface AuthResult { key: ApiKey; method: AuthMethod }

const authError = (message: string, headers?: Record<string, string>) =>
  Object.assign(new WooError(401, 'woocommerce_rest_authentication_error', message), { headers });

/** RFC 3986 encoding (rawurlencode): encodeURIComponent leaves !'()* alone, OAuth must not. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The OAuth 1.0a signature: base64 HMAC of `METHOD&enc(baseUrl)&enc(sorted k=v joined by &)` keyed with
 * `consumer_secret&`. `params` must not contain oauth_signature. Exported for tests and connectors.
 */
export function oauthSignature(method: string, baseUrl: string, params: [string, string][], consumerSecret: string, algorithm: 'HMAC-SHA1' | 'HMAC-SHA256'): string {
  const pairs = params.map(([k, v]) => [rfc3986(k), rfc3986(v)] as const).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const base = `${method.toUpperCase()}&${rfc3986(baseUrl)}&${rfc3986(pairs.map(([k, v]) => `${k}=${v}`).join('&'))}`;
  return createHmac(algorithm === 'HMAC-SHA1' ? 'sha1' : 'sha256', `${consumerSecret}&`).update(base).digest('base64');
}

/** Raw query pairs, decoded, in order (keys like `filter[a]` kept as sent). */
function queryPairs(url: string): [string, string][] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return [...new URLSearchParams(url.slice(q + 1))];
}

function headerPairs(header: string | undefined): [string, string][] {
  if (!header || !/^OAuth\s/i.test(header.trim())) return [];
  const out: [string, string][] = [];
  for (const m of header.trim().slice(5).matchAll(/([\w.-]+)="([^"]*)"/g)) if (m[1] && m[1] !== 'realm') out.push([decodeURIComponent(m[1]), decodeURIComponent(m[2] ?? '')]);
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function tryBasic(runtime: WooRuntime, request: FastifyRequest): AuthResult | null {
  const q = request.query as Record<string, unknown>;
  let key: string | undefined;
  let secret: string | undefined;
  let method: AuthMethod = 'query';
  // Query parameters win over the Authorization header.
  if (typeof q.consumer_key === 'string' && typeof q.consumer_secret === 'string') {
    key = q.consumer_key;
    secret = q.consumer_secret;
  } else {
    const m = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (!m?.[1]) return null;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    key = decoded.slice(0, colon);
    secret = decoded.slice(colon + 1);
    method = 'basic';
  }
  const found = runtime.options.keys.find((k) => k.consumerKey === key);
  if (!found) return null; // unknown key: no error here, OAuth is tried next, then the permission check answers
  if (!safeEqual(found.consumerSecret, secret)) {
    throw authError('Consumer secret is invalid.', method === 'basic' ? { 'www-authenticate': 'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field"' } : undefined);
  }
  return { key: found, method };
}

const REQUIRED = ['oauth_consumer_key', 'oauth_timestamp', 'oauth_nonce', 'oauth_signature', 'oauth_signature_method'];

function tryOAuth(runtime: WooRuntime, request: FastifyRequest): AuthResult | null {
  const body = request.body;
  const formPairs: [string, string][] = typeof body === 'object' && body !== null && request.headers['content-type']?.includes('form')
    ? Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)]) : [];
  // PHP's $_GET/$_POST keep one value per key (the last) and array_merge lets the header win: the official JS
  // client sends its own params twice (folded into the URL and again as axios params), signed once.
  const params = [...new Map([...queryPairs(request.url), ...formPairs, ...headerPairs(request.headers.authorization)])];
  const get = (name: string) => params.find(([k]) => k === name)?.[1];
  const missing = REQUIRED.filter((n) => !get(n));
  if (missing.length === REQUIRED.length) return null; // not trying OAuth at all
  if (missing.length > 0) {
    throw new WooError(401, 'woocommerce_rest_authentication_missing_parameter', `Missing OAuth parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  const key = runtime.options.keys.find((k) => k.consumerKey === get('oauth_consumer_key'));
  if (!key) throw authError('Consumer key is invalid.');
  const algorithm = get('oauth_signature_method');
  if (algorithm !== 'HMAC-SHA1' && algorithm !== 'HMAC-SHA256') throw authError('Invalid signature - signature method is invalid.');
  const path = request.url.split('?')[0] ?? '';
  const signed = params.filter(([k]) => k !== 'oauth_signature');
  const expected = oauthSignature(request.method, `${runtime.home()}${path}`, signed, key.consumerSecret, algorithm);
  // PHP's query parsing turns "+" into a space; WooCommerce undoes that before comparing.
  const given = (get('oauth_signature') ?? '').replace(/ /g, '+');
  if (!safeEqual(expected, given)) throw authError('Invalid signature - provided signature does not match.');
  const timestamp = Number(get('oauth_timestamp'));
  const now = Math.floor(runtime.now() / 1000);
  const window = 15 * 60;
  if (!Number.isFinite(timestamp) || timestamp < now - window || timestamp > now + window) throw authError('Invalid timestamp.');
  const used = runtime.nonces.get(key.consumerKey) ?? new Map<string, number>();
  for (const [nonce, at] of used) if (at < now - window) used.delete(nonce);
  const nonce = get('oauth_nonce') ?? '';
  if (used.has(nonce)) throw authError('Invalid nonce - nonce has already been used.');
  used.set(nonce, timestamp);
  runtime.nonces.set(key.consumerKey, used);
  return { key, method: 'oauth' };
}

const CANNOT: Record<string, [string, string]> = {
  GET: ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'],
  POST: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
  PUT: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
  PATCH: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
  DELETE: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
};

/** Authenticates one API request or throws the 401 WooCommerce would answer. */
export function authenticate(runtime: WooRuntime, request: FastifyRequest): AuthResult {
  const result = (runtime.options.allowInsecureAuth ? tryBasic(runtime, request) : null) ?? tryOAuth(runtime, request);
  if (!result) {
    const [code, message] = CANNOT[request.method] ?? CANNOT.GET ?? ['woocommerce_rest_cannot_view', ''];
    throw new WooError(401, code, message);
  }
  const reading = request.method === 'GET' || request.method === 'HEAD';
  if (request.method !== 'OPTIONS' && result.key.permissions !== 'read_write' && result.key.permissions !== (reading ? 'read' : 'write')) {
    throw authError(`The API key provided does not have ${reading ? 'read' : 'write'} permissions.`);
  }
  return result;
}
