// Streaming downloads through the shared HTTP client (http.ts), for files too large to parse in memory
// (a Shopify bulk export of millions of lines). The same guarantees as `request`: the outbound policy
// before anything is sent (and on connect), the run's signal, a timeout, classification of every
// answer into an error kind, retries decided by that kind and paid for from the run's retry budget, and
// the limiter where the platform counts the request. The differences are the ones a large file needs:
// - the body is handed to the caller's consumer as a stream; a retry hands it a new stream from the
//   first byte, so the consumer starts over instead of appending;
// - the timeout runs until the response headers arrive, then as an idle timeout that every chunk
//   re-arms: a 2 GB file may take minutes, a connection that stops sending may not;
// - a presigned URL (its signature is its authorisation) gets no credentials, and its 401/403/404/410
//   mean the URL expired or its file is gone, which a new URL cures, not a reconnection.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isSyncError, SyncError } from '../core/errors.js';
import { nextDelay } from '../core/retry.js';
import { buildUrl, cancellationOf, CODE_FOR_KIND, DEFAULT_TIMEOUT_MS, type HttpClientOptions, kindForStatus, networkMessage, retryAfterFromHeaders, safePath } from './http.js';
import { abortableSleep } from './limiter.js';
import { PUBLIC_ONLY, refusalOf } from './outbound.js';
import type { DownloadRequest, DownloadResult } from './types.js';

type Attempt = { ok: true; result: DownloadResult } | { ok: false; error: SyncError; status?: number; final?: boolean };

/**
 * Statuses with which a presigned URL says it expired or its file was removed. A presigned GET sends
 * nothing but its URL, so a 400 can only be about the URL too (some storage services answer an expired
 * signature with 400 rather than 403).
 */
const STALE_URL_STATUSES = new Set([400, 401, 403, 404, 410]);

export function createDownload(opts: HttpClientOptions): (req: DownloadRequest) => Promise<DownloadResult> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const runSignal = opts.signal;
  const { cancelled, unlessCancelled } = cancellationOf(runSignal);

  async function attemptOnce(req: DownloadRequest, url: string, label: string, path: string, dispatcher: unknown): Promise<Attempt> {
    const headers: Record<string, string> = { accept: '*/*', ...(req.presigned ? {} : opts.defaultHeaders), ...req.headers };
    const controller = new AbortController();
    const headersMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const idleMs = req.idleTimeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new SyncError('upstream_timeout', `${label} ${what} ${ms} ms`)), ms);
    };
    const onRunAbort = (): void => controller.abort(runSignal.reason);
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    let source: Readable | undefined;
    let sourceError: unknown;
    let bytes = 0;
    const timedOut = (): SyncError | undefined => {
      const reason: unknown = controller.signal.reason;
      return controller.signal.aborted && isSyncError(reason) && reason.code === 'upstream_timeout' ? reason : undefined;
    };
    try {
      arm(headersMs, 'sent no response within');
      let response: Response;
      try {
        const init = { method: 'GET', headers, signal: controller.signal, redirect: 'manual', ...(dispatcher ? { dispatcher } : {}) };
        response = await doFetch(url, init as RequestInit);
      } catch (err) {
        if (runSignal.aborted) throw cancelled();
        const refusal = refusalOf(err);
        if (refusal) return { ok: false, error: refusal };
        return { ok: false, error: timedOut() ?? new SyncError('upstream_transient', `${label} failed: ${networkMessage(err)}`, { cause: err }) };
      }

      const status = response.status;
      const kind = kindForStatus(status);
      if (kind !== undefined) {
        // The error body of a storage service says nothing we act on; it is not read.
        await response.body?.cancel().catch(() => undefined);
        const details = { method: 'GET', path, status };
        if (req.presigned && STALE_URL_STATUSES.has(status)) {
          return {
            ok: false, status, final: true,
            error: new SyncError('upstream_transient', `${label} answered ${status}: the signed URL expired or its file is gone; a new URL is needed`, {
              details: { ...details, urlExpired: true },
            }),
          };
        }
        const retryAfterMs = kind === 'rate_limited' ? retryAfterFromHeaders(response.headers, now()) : undefined;
        return { ok: false, status, error: new SyncError(CODE_FOR_KIND[kind], `${label} answered ${status}`, retryAfterMs === undefined ? { details } : { details, retryAfterMs }) };
      }

      arm(idleMs, 'sent nothing for');
      source = response.body ? Readable.fromWeb(response.body as WebReadableStream) : Readable.from([]);
      const from = source;
      // Every chunk re-arms the idle timeout; an error of the connection is told apart from one of the consumer.
      const body = Readable.from(
        (async function* () {
          try {
            for await (const chunk of from) {
              bytes += (chunk as Buffer).length;
              arm(idleMs, 'sent nothing for');
              yield chunk as Buffer;
            }
          } catch (err) {
            sourceError = err;
            throw err;
          }
        })(),
        { objectMode: false },
      );
      try {
        await req.into(body, controller.signal);
      } catch (err) {
        if (runSignal.aborted) throw cancelled();
        const timeout = timedOut();
        if (timeout) return { ok: false, status, error: timeout };
        if (sourceError !== undefined) {
          return { ok: false, status, error: new SyncError('upstream_transient', `${label} broke off after ${bytes} bytes: ${networkMessage(sourceError)}`, { cause: sourceError }) };
        }
        throw err; // the consumer's own failure (e.g. a full disk): not the platform's, not retried here
      }
      return { ok: true, result: { status, headers: response.headers, bytes } };
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAbort);
      source?.destroy();
    }
  }

  return async function download(req: DownloadRequest): Promise<DownloadResult> {
    const url = buildUrl(opts.baseUrl, req.path, req.query);
    const path = safePath(url);
    const label = `GET ${path}`;
    // Throws host_not_allowed before anything is sent; a host name is checked again on connect.
    const dispatcher = (opts.outbound ?? PUBLIC_ONLY).dispatcherFor(url);
    const counted = req.rateLimited !== false;
    for (let retries = 0; ; retries++) {
      if (runSignal.aborted) throw cancelled();
      const release = counted ? await unlessCancelled(opts.limiter.acquire({ route: req.route }, runSignal, opts.onRateLimited)) : () => undefined;
      let outcome: Attempt;
      try {
        outcome = await attemptOnce(req, url, label, path, dispatcher);
      } finally {
        release();
      }
      if (outcome.ok) return outcome.result;

      const error = outcome.error;
      if (error.kind === 'auth') opts.onAuthError?.(error);
      const delayMs = outcome.final ? null : nextDelay(retries, error, opts.backoff);
      if (delayMs === null) throw error;
      // A throttle of a request the limiter counts concerns the whole connection: pause it. One it does
      // not count (a storage host's) says nothing about the platform's budget: only this download waits.
      const pauses = error.kind === 'rate_limited' && counted;
      if (pauses) {
        const untilMs = now() + delayMs;
        opts.limiter.pause(untilMs, req.route);
        opts.onRateLimited?.(untilMs);
      }
      if (!opts.budget.take()) {
        throw new SyncError('retry_budget_exhausted', `${label}: retry budget exhausted; last error: ${error.message}`, {
          cause: error,
          details: { method: 'GET', path, lastCode: error.code, status: outcome.status },
        });
      }
      opts.onRetry?.({ attempt: retries + 1, error, delayMs });
      if (!pauses && delayMs > 0) await unlessCancelled(sleep(delayMs, runSignal));
    }
  };
}
