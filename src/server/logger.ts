// The process logger. Secrets must never reach a log line: credentials, tokens, webhook secrets
// and Authorization headers are redacted wherever they appear in the first levels of a log object.
// URLs lose the values of their query parameters (request URLs, URL fields, URLs inside messages and
// errors): platforms put tokens there (Printful v1 webhooks, WooCommerce query-string auth, signed
// download links, OAuth codes), and a query value is rarely worth its risk in a log.
// On a terminal the lines are pretty (one line each, local time, colours); anywhere else, or with
// LOG_FORMAT=json, they are JSON for a log collector. Redaction happens before either.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
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

export type LogFormat = 'pretty' | 'json';

/** The format asked for (config or LOG_FORMAT), else pretty on a terminal and JSON anywhere else. */
export function resolveLogFormat(format: string | undefined, env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): LogFormat {
  const asked = format ?? env.LOG_FORMAT;
  if (asked === 'pretty' || asked === 'json') return asked;
  return isTTY ? 'pretty' : 'json';
}

/** Pretty lines: the request log's structured fields are already in its message, so they are hidden. */
function prettyStream(destination: DestinationStream | 1 | 2, colorize: boolean): DestinationStream {
  return pretty({
    destination,
    // Synchronous, as pino's own stdout destination: a CLI that exits right after a line keeps it.
    sync: true,
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,req,res,responseTime',
  });
}

/**
 * `format`: absent = LOG_FORMAT, else pretty on a terminal. With a `destination` (tests, a file) and
 * no format asked for, the lines are JSON.
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string; format?: LogFormat; fd?: 1 | 2 } = {}): Logger {
  const format = opts.destination && !opts.format ? 'json' : resolveLogFormat(opts.format);
  const fd = opts.fd ?? 1;
  // Colours only on a terminal, and not when NO_COLOR asks for none (no-color.org).
  const colorize = !opts.destination && Boolean(fd === 2 ? process.stderr.isTTY : process.stdout.isTTY) && !process.env.NO_COLOR;
  const destination = format === 'pretty'
    ? prettyStream(opts.destination ?? fd, colorize)
    : (opts.destination ?? (fd === 2 ? pino.destination({ dest: 2, sync: true }) : undefined));
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
    destination,
  );
}
