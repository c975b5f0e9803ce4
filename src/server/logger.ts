// The process logger. Secrets must never reach a log line: credentials, tokens, webhook secrets
// and Authorization headers are redacted wherever they appear in the first levels of a log object.
// URLs lose the values of their query parameters (request URLs, URL fields, URLs inside messages and
// errors): platforms put tokens there (Printful v1 webhooks, WooCommerce query-string auth, signed
// download links, OAuth codes), and a query value is rarely worth its risk in a log.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { ALL_SECRET_FIELDS } from '../connectors/configs.js';

const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'credentials',
  'accessToken',
  'access_token',
  'apiSecret',
  'apiKey',
  'consumerKey',
  'consumerSecret',
  'password',
  'token',
  'clientSecret',
  'refreshToken',
  'webhookSecret',
  'masterKey',
  'x-shopify-access-token',
  'x-shopify-hmac-sha256',
  'x-wc-webhook-signature',
  'x-pf-webhook-signature',
  'cookie',
];

/** Paths for pino's redaction: the key itself, and one and two levels down. Every credential field
 * a connector declares is included, so a new connector's secrets are covered without a change here. */
export const REDACT_PATHS = [...new Set([...SECRET_KEYS, ...ALL_SECRET_FIELDS])].flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`, `req.headers${dot}${key}`];
});

export type { Logger };

const REDACTED = '[redacted]';

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => (part.includes('=') ? `${part.slice(0, part.indexOf('='))}=${REDACTED}` : part))
    .join('&');
}

/** The URL (absolute or a path) with every query value, any user info and the fragment taken out. */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const noHash = hash >= 0 ? url.slice(0, hash) : url;
  const q = noHash.indexOf('?');
  const base = (q >= 0 ? noHash.slice(0, q) : noHash).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, `$1${REDACTED}@`);
  return q >= 0 ? `${base}?${redactQuery(noHash.slice(q + 1))}` : base;
}

// URLs inside free text (a message, an error's stack), and secret-named parameters wherever they appear.
const URL_IN_TEXT = /(?:[a-z][a-z0-9+.-]*:\/\/|\/)[^\s"'<>]*\?[^\s"'<>]*/gi;
const SECRET_PARAM = /\b((?:[\w-]*_)?(?:token|secret|key|hmac|code|signature|password))=(?!\[redacted\])[^&\s"'<>]+/gi;

export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (u) => redactUrl(u)).replace(SECRET_PARAM, `$1=${REDACTED}`);
}

const URL_KEY = /(?:url|uri|href|location|link)$/i;

/** Top-level fields named like URLs, and every string argument of a log call (the message). */
function redactFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string' && URL_KEY.test(k) && /[?#@]/.test(v)) {
      if (out === obj) out = { ...obj };
      out[k] = redactUrl(v);
    }
  }
  return out;
}

/** Fastify's request fields, with the URL's query values taken out. */
function serializeRequest(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: req.url === undefined ? undefined : redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

function serializeError(err: Error): unknown {
  const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  for (const key of ['message', 'stack']) if (typeof out[key] === 'string') out[key] = redactText(out[key]);
  return out;
}

export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'commerce-sync',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { req: serializeRequest, err: serializeError },
      formatters: { log: redactFields },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination,
  );
}
