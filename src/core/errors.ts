// The error catalog: every error the engine, connectors and API raise has a code listed here once, with
// its kind (which drives retries, see retry.ts) and the HTTP status the API answers with. docs/errors.md
// lists the same table; errors.test.ts keeps the two in step.

/** How an error is handled: `transient` and `rate_limited` are retried, `auth` marks the connection
 * `needs_reauth`, the others fail without retry. */
export type ErrorKind = 'transient' | 'rate_limited' | 'auth' | 'config' | 'invalid_data' | 'permanent';

export const ERROR_KINDS: readonly ErrorKind[] = ['transient', 'rate_limited', 'auth', 'config', 'invalid_data', 'permanent'];

export const RETRYABLE_KINDS: readonly ErrorKind[] = ['transient', 'rate_limited'];

export function isRetryableKind(kind: ErrorKind): boolean {
  return RETRYABLE_KINDS.includes(kind);
}

export interface ErrorSpec {
  kind: ErrorKind;
  httpStatus: number;
  description: string;
}

export const ERROR_CATALOG = {
  // Requests to our own API
  validation_failed: { kind: 'invalid_data', httpStatus: 400, description: 'The request body, query or path parameters failed validation.' },
  invalid_json: { kind: 'invalid_data', httpStatus: 400, description: 'The request body is not valid JSON.' },
  unknown_platform: { kind: 'invalid_data', httpStatus: 400, description: 'The platform name is not one of shopify, woocommerce, printful, emag, jtl-ffn.' },
  unauthorized: { kind: 'auth', httpStatus: 401, description: 'The API key is missing, malformed or unknown.' },
  forbidden: { kind: 'auth', httpStatus: 403, description: 'The API key is valid but may not perform this action.' },
  not_found: { kind: 'permanent', httpStatus: 404, description: 'The resource does not exist or belongs to another tenant.' },
  conflict: { kind: 'permanent', httpStatus: 409, description: 'The request conflicts with the current state of the resource.' },
  run_already_active: { kind: 'permanent', httpStatus: 409, description: 'A run for this connection and stream is already active; the response carries its id.' },
  version_conflict: { kind: 'permanent', httpStatus: 409, description: 'The version named by If-Match or `version` is not the current one: the record changed since it was read; details.current carries it as it is now.' },
  precondition_required: { kind: 'invalid_data', httpStatus: 428, description: 'The request changes a record and must name the version it is based on (an If-Match header or a `version` field).' },
  sku_taken: { kind: 'permanent', httpStatus: 409, description: 'Another live product of the tenant already has this SKU.' },
  request_timeout: { kind: 'transient', httpStatus: 408, description: 'The requested wait expired before the run finished; the run continues.' },
  throttled: { kind: 'rate_limited', httpStatus: 429, description: 'Too soon after the previous attempt for this connection and stream; see Retry-After.' },
  auth_rate_limited: { kind: 'rate_limited', httpStatus: 429, description: 'Too many failed authentications (API keys, webhook signatures, install callbacks) from this address; see Retry-After.' },
  payload_too_large: { kind: 'invalid_data', httpStatus: 413, description: 'The request body exceeds the size limit.' },
  unsupported_media_type: { kind: 'invalid_data', httpStatus: 415, description: 'The request body has a content type other than application/json.' },
  internal_error: { kind: 'permanent', httpStatus: 500, description: 'An unexpected error; details are in the server log.' },
  service_unavailable: { kind: 'transient', httpStatus: 503, description: 'The server is starting or shutting down, or its database is unreachable, shutting down, out of connections or full. Answered with Retry-After (5 s unless the error names its own): retry then.' },

  // Configuration
  connection_unusable: { kind: 'config', httpStatus: 422, description: 'The connection cannot sync: it is disabled, no connector serves its platform in this build, or its stored configuration is invalid.' },
  not_configured: { kind: 'config', httpStatus: 422, description: 'A server feature this request needs is not configured (e.g. the Shopify app credentials for OAuth installs).' },
  config_invalid: { kind: 'config', httpStatus: 500, description: 'The server or connection configuration is invalid; the message names the setting.' },
  host_not_allowed: { kind: 'config', httpStatus: 400, description: 'A URL names a host the server may not call: not https, or a loopback, link-local or private address, and not on the allow-list (COMMERCE_SYNC_ALLOWED_HOSTS).' },
  master_key_missing: { kind: 'config', httpStatus: 500, description: 'COMMERCE_SYNC_MASTER_KEY is not set, so credentials cannot be encrypted or read.' },

  // Webhooks
  webhook_signature_invalid: { kind: 'auth', httpStatus: 401, description: 'The webhook signature is missing or does not match, or no secret is configured.' },
  webhook_payload_invalid: { kind: 'invalid_data', httpStatus: 400, description: 'A signed privacy webhook (Shopify customers/data_request, customers/redact, shop/redact) is not JSON or lacks the fields its topic requires; nothing was stored.' },

  // Calls to platforms
  upstream_transient: { kind: 'transient', httpStatus: 502, description: 'The platform answered 5xx, reset the connection or sent a truncated body.' },
  upstream_timeout: { kind: 'transient', httpStatus: 504, description: 'The platform did not answer within the request timeout.' },
  upstream_rate_limited: { kind: 'rate_limited', httpStatus: 429, description: 'The platform throttled the request (429 or a throttle reply inside 200).' },
  upstream_auth: { kind: 'auth', httpStatus: 502, description: 'The platform rejected the credentials or scopes; the connection needs re-authorisation.' },
  upstream_rejected: { kind: 'permanent', httpStatus: 502, description: 'The platform rejected the request (4xx other than auth and throttling).' },
  upstream_invalid_response: { kind: 'invalid_data', httpStatus: 502, description: 'The platform answered with a body that does not match the expected shape.' },
  push_would_delete: { kind: 'transient', httpStatus: 409, description: 'A product push was held back: the platform has variants of the product the hub has not read yet, which the push would delete. Retried; a dead letter if the hub still lacks them.' },

  // Runs
  pagination_loop: { kind: 'permanent', httpStatus: 500, description: 'A cursor or page repeated within one run; the run stopped instead of looping.' },
  deadline_exceeded: { kind: 'transient', httpStatus: 504, description: 'The run reached its deadline and was stopped; its checkpoint is kept.' },
  cancelled: { kind: 'permanent', httpStatus: 409, description: 'The run was cancelled; its checkpoint is kept.' },
  retry_budget_exhausted: { kind: 'permanent', httpStatus: 500, description: 'The run used up its retry budget without making progress.' },
  record_invalid: { kind: 'invalid_data', httpStatus: 422, description: 'A record failed mapping or validation and went to dead letters.' },
  page_write_failed: { kind: 'transient', httpStatus: 500, description: 'Writing a page to the database kept failing; the page went to dead letters.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOG, value);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOG[code];
}

export interface SyncErrorOptions {
  /** Milliseconds the caller should wait before trying again, when the source said so. */
  retryAfterMs?: number;
  /** Extra data safe to show to API clients (never secrets). */
  details?: unknown;
  cause?: unknown;
}

export class SyncError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly httpStatus: number;
  readonly retryAfterMs?: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: SyncErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SyncError';
    const spec: ErrorSpec = ERROR_CATALOG[code];
    this.code = code;
    this.kind = spec.kind;
    this.httpStatus = spec.httpStatus;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.details !== undefined) this.details = opts.details;
  }
}

/**
 * True for SyncErrors, including ones created by another copy of this module (a second install in
 * node_modules or a worker bundle), where `instanceof` alone would say no.
 */
export function isSyncError(value: unknown): value is SyncError {
  if (value instanceof SyncError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown; kind?: unknown };
  return candidate.name === 'SyncError' && isErrorCode(candidate.code) && typeof candidate.kind === 'string';
}

/** Wraps anything thrown into a SyncError; non-SyncErrors become `internal_error` with the original as cause. */
export function toSyncError(value: unknown): SyncError {
  if (isSyncError(value)) return value;
  return new SyncError('internal_error', 'Internal error', { cause: value });
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * The API's error envelope. Messages of errors that are not SyncErrors are replaced by a generic one, since
 * they may carry internals (SQL, stack details, upstream bodies) that must not reach clients.
 */
export function toErrorBody(value: unknown): ErrorBody {
  const err = toSyncError(value);
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}
