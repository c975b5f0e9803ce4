// The one HTTP client every connector uses (DESIGN.md 5.3, 5.4): the connection's limiter before every
// attempt, a per-request timeout, JSON in and out, classification of every answer into an error kind, and
// retries decided by that kind alone (core/retry.ts), paid for from the run's retry budget. Cancelling the
// run stops everything at once and is never retried.
//
// Error messages and details name the method, the path and the status, never headers (they carry tokens) or
// query strings (some platforms put credentials there, and signed download URLs carry signatures), nor the
// body of the answer (it would let API callers read whatever a host answers).
//
// Every URL is checked against the outbound policy before it is sent (connectors/outbound.ts), whatever
// the stored settings say: a connection written before the check existed, or straight into the database,
// still cannot reach a loopback or private host. Redirects are not followed, for the same reason.
//
// `download` (http-download.ts) streams a large body to the caller under the same rules.
import { SyncError, isSyncError } from '../core/errors.js';
import type { ErrorCode, ErrorKind } from '../core/errors.js';
import type { RateLimitObservation } from '../core/rate-limit.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { nextDelay, parseRetryAfter } from '../core/retry.js';
import type { BackoffOptions } from '../core/retry.js';
import { createDownload } from './http-download.js';
import { abortableSleep } from './limiter.js';
import type { Limiter, Sleep } from './limiter.js';
import { PUBLIC_ONLY, refusalOf } from './outbound.js';
import type { OutboundPolicy } from './outbound.js';
import type { HttpClient, HttpRequest, HttpResponse } from './types.js';

export interface HttpClientOptions {
  baseUrl: string;
  limiter: Limiter;
  defaultHeaders?: Record<string, string>;
  /** Per request, default 30_000. */
  timeoutMs?: number;
  /** The run's signal (cancel/deadline): abort => stop at once, no retry. */
  signal: AbortSignal;
  /** Shared by the run. */
  budget: RetryBudget;
  /** Overrides the kind the status implies, for any response (undefined = keep it). */
  classify?: (res: HttpResponse) => ErrorKind | undefined;
  /** What a response says about the rate limit; fed to the limiter after every response, errors included.
   * `body` is the parsed JSON, the raw text when it does not parse, or null when empty. */
  observeRateLimit?: (res: HttpResponse, req: HttpRequest) => RateLimitObservation | undefined;
  /** Progress: the run waits on a rate limit until this moment (a platform pause, or pacing ahead of time;
   * short pacing waits are reported too, the receiver decides what is worth showing). */
  onRateLimited?: (untilMs: number) => void;
  onRetry?: (info: { attempt: number; error: SyncError; delayMs: number }) => void;
  /** Every answer classified as rate limited (a 429 or the platform's own throttle answer), retried or not (metrics). */
  onThrottled?: () => void;
  /** The engine marks the connection needs_reauth. */
  onAuthError?: (error: SyncError) => void;
  /**
   * Credentials that expire (an OAuth access token, engine/oauth-tokens.ts): the headers of every attempt,
   * asked for before it is sent. A 401 asks once more with the token it rejected (`rejected`), which
   * refreshes it unless another request or process already has, and the request is retried once with
   * the new one, outside the retry budget; a second 401 is the credentials being refused.
   */
  authorize?: (rejected?: string) => Promise<{ token: string; headers: Record<string, string> }>;
  /** Backoff of transient errors and of throttles that name no wait (default 1 s doubling to 60 s, full jitter). */
  backoff?: BackoffOptions;
  /** Which hosts requests may go to; default: public https hosts only. */
  outbound?: OutboundPolicy;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: Sleep;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const BODY_EXCERPT_CHARS = 300;

export const CODE_FOR_KIND: Record<ErrorKind, ErrorCode> = {
  transient: 'upstream_transient',
  rate_limited: 'upstream_rate_limited',
  auth: 'upstream_auth',
  config: 'config_invalid',
  invalid_data: 'upstream_invalid_response',
  permanent: 'upstream_rejected',
};

/** The kind an HTTP status implies; undefined for success. */
export function kindForStatus(status: number): ErrorKind | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 425 || status >= 500) return 'transient';
  return 'permanent';
}

type Attempt = { ok: true; res: HttpResponse } | { ok: false; error: SyncError; res?: HttpResponse };

/** What messages and details may say about a request: no headers, no query. */
interface Target {
  method: string;
  path: string;
  label: string;
}

/** The run's cancellation as an error, and a wrapper turning a rejection the run's signal caused into it. */
export function cancellationOf(runSignal: AbortSignal): { cancelled(): SyncError; unlessCancelled<T>(work: Promise<T>): Promise<T> } {
  function cancelled(): SyncError {
    const reason: unknown = runSignal.reason;
    return isSyncError(reason) ? reason : new SyncError('cancelled', 'The run was cancelled', { cause: reason });
  }
  async function unlessCancelled<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (runSignal.aborted) throw cancelled();
      throw err;
    }
  }
  return { cancelled, unlessCancelled };
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const runSignal = opts.signal;
  const { cancelled, unlessCancelled } = cancellationOf(runSignal);

  async function attemptOnce(req: HttpRequest, url: string, target: Target, dispatcher: unknown, auth?: Record<string, string>): Promise<Attempt> {
    const { method, label } = target;
    const headers: Record<string, string> = { accept: 'application/json', ...opts.defaultHeaders, ...auth, ...req.headers };
    let body: string | undefined;
    if (req.form !== undefined) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    // A controller per attempt, cleared afterwards, rather than AbortSignal.any() on the run's long-lived
    // signal: nothing of a finished request stays attached to the run.
    const controller = new AbortController();
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = setTimeout(() => controller.abort(new SyncError('upstream_timeout', `${label} timed out after ${timeoutMs} ms`)), timeoutMs);
    const onRunAbort = (): void => controller.abort(runSignal.reason);
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    let response: Response;
    let text: string;
    try {
      const init = { method, headers, body, signal: controller.signal, redirect: 'manual', ...(dispatcher ? { dispatcher } : {}) };
      response = await doFetch(url, init as RequestInit);
      text = await response.text();
    } catch (err) {
      if (runSignal.aborted) throw cancelled();
      const refusal = refusalOf(err);
      if (refusal) return { ok: false, error: refusal };
      const reason: unknown = controller.signal.reason;
      if (controller.signal.aborted && isSyncError(reason) && reason.code === 'upstream_timeout') return { ok: false, error: reason };
      return { ok: false, error: new SyncError('upstream_transient', `${label} failed: ${networkMessage(err)}`, { cause: err }) };
    } finally {
      clearTimeout(timeout);
      runSignal.removeEventListener('abort', onRunAbort);
    }

    let parsed: unknown = null;
    let parseFailed = false;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parseFailed = true;
        parsed = text;
      }
    }
    const res: HttpResponse = { status: response.status, headers: response.headers, body: parsed };

    const obs = opts.observeRateLimit?.(res, req);
    // The request's route places the observation in the right group when the connector leaves it out.
    if (obs !== undefined) opts.limiter.observe(obs.route === undefined && req.route !== undefined ? { ...obs, route: req.route } : obs);

    const statusKind = kindForStatus(res.status);
    const kind = opts.classify?.(res) ?? statusKind;
    if (kind === undefined) {
      if (!parseFailed) return { ok: true, res };
      // A success whose body does not parse was cut off on the way (or came from a proxy): try again.
      return { ok: false, res, error: upstreamError('upstream_transient', `${label} answered ${res.status} with a body that is not valid JSON`, target, res) };
    }
    const retryAfterMs = kind === 'rate_limited' ? retryAfterFromHeaders(res.headers, now()) : undefined;
    return { ok: false, res, error: upstreamError(CODE_FOR_KIND[kind], `${label} answered ${res.status}`, target, res, retryAfterMs) };
  }

  async function request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const method = req.method ?? 'GET';
    const url = buildUrl(opts.baseUrl, req.path, req.query);
    const path = safePath(url);
    const target: Target = { method, path, label: `${method} ${path}` };
    // Throws host_not_allowed before anything is sent; a host name is checked again on connect.
    const dispatcher = (opts.outbound ?? PUBLIC_ONLY).dispatcherFor(url);
    const limitReq = { route: req.route, cost: req.cost };
    let lastReported = -Infinity;
    const reportRateLimited = (untilMs: number): void => {
      // The pause announced on a 429 comes back as the limiter wait of the retry; say it once.
      if (Math.abs(untilMs - lastReported) <= 1) return;
      lastReported = untilMs;
      opts.onRateLimited?.(untilMs);
    };

    let auth = opts.authorize ? await unlessCancelled(opts.authorize()) : undefined;
    let reauthorized = false;
    for (let retries = 0; ; retries++) {
      if (runSignal.aborted) throw cancelled();
      const release = await unlessCancelled(opts.limiter.acquire(limitReq, runSignal, reportRateLimited));
      let outcome: Attempt;
      try {
        outcome = await attemptOnce(req, url, target, dispatcher, auth?.headers);
      } finally {
        release();
      }
      if (outcome.ok) return outcome.res as HttpResponse<T>;

      const error = outcome.error;
      if (error.kind === 'rate_limited' && outcome.res) opts.onThrottled?.();
      if (error.kind === 'auth' && auth && !reauthorized && outcome.res?.status === 401) {
        // An expired or revoked access token: one refresh, one retry (authorize throws when it cannot).
        reauthorized = true;
        auth = await unlessCancelled(opts.authorize!(auth.token));
        retries--;
        continue;
      }
      if (error.kind === 'auth') opts.onAuthError?.(error);
      const delayMs = nextDelay(retries, error, opts.backoff);
      if (delayMs === null || (req.retry === false && error.kind !== 'rate_limited')) throw error;
      if (error.kind === 'rate_limited') {
        // Throttling concerns the whole connection: pause the limiter so that every request waits, this
        // one's retry included (its next acquire waits out the pause), not only this one.
        const untilMs = now() + delayMs;
        opts.limiter.pause(untilMs, req.route);
        reportRateLimited(untilMs);
      }
      if (!opts.budget.take()) {
        throw new SyncError('retry_budget_exhausted', `${target.label}: retry budget exhausted; last error: ${error.message}`, {
          cause: error,
          details: { method, path, lastCode: error.code, status: outcome.res?.status },
        });
      }
      opts.onRetry?.({ attempt: retries + 1, error, delayMs });
      if (error.kind !== 'rate_limited' && delayMs > 0) await unlessCancelled(sleep(delayMs, runSignal));
    }
  }

  return { request, download: createDownload(opts) };
}

function upstreamError(code: ErrorCode, message: string, target: Target, res: HttpResponse, retryAfterMs?: number): SyncError {
  const details = { method: target.method, path: target.path, status: res.status };
  // A connector may read the platform's own words from the excerpt to say what was refused; it is not
  // enumerable, so it never reaches an API response, a stored run error or a log line.
  Object.defineProperty(details, 'body', { value: excerpt(res.body), enumerable: false });
  return new SyncError(code, message, retryAfterMs === undefined ? { details } : { details, retryAfterMs });
}

// Reset headers: seconds from now (Printful, IETF RateLimit draft) or a Unix time (WooCommerce Store API and
// many proxies); a value that large can only be a moment, not a wait.
const RESET_HEADERS = ['x-ratelimit-reset', 'ratelimit-reset'];
const EPOCH_SECONDS = 1e9;
const EPOCH_MS = 1e12;
const NUMBER = /^\d+(\.\d+)?$/;

/** The longest wait any throttling header implies, in ms from `now`; undefined when none says. */
export function retryAfterFromHeaders(headers: Headers, now: number): number | undefined {
  const waits: number[] = [];
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) waits.push(retryAfter);
  for (const name of RESET_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value === undefined || !NUMBER.test(value)) continue;
    const n = Number(value);
    if (n >= EPOCH_MS) waits.push(Math.max(0, n - now));
    else if (n >= EPOCH_SECONDS) waits.push(Math.max(0, n * 1000 - now));
    else waits.push(Math.ceil(n * 1000));
  }
  return waits.length === 0 ? undefined : Math.max(...waits);
}

function excerpt(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}...` : text;
}

/** Network errors from fetch say "fetch failed" and keep the useful part (ECONNRESET, ...) in the cause. */
export function networkMessage(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export function buildUrl(baseUrl: string, path: string, query?: HttpRequest['query']): string {
  const absolute = /^https?:\/\//i.test(path);
  const url = new URL(absolute ? path : `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value));
  }
  return url.toString();
}

/** The URL's path without query or fragment, for messages and logs. */
export function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/, 1)[0] ?? '';
  }
}
