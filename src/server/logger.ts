// The process logger. Secrets must never reach a log line: credentials, tokens, webhook secrets
// and Authorization headers are redacted wherever they appear in the first levels of a log object.
import { pino, type DestinationStream, type Logger } from 'pino';
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

export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'commerce-sync',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    opts.destination,
  );
}
