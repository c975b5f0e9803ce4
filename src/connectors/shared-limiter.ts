// A credential's limiter when several processes share one PostgreSQL database (DESIGN.md 5.4): the same
// Limiter the HTTP client already uses, whose every acquisition also takes from the credential's bucket rows
// (store/rate-limit-buckets.ts), so that N workers spend one budget between them and not N budgets.
//
// The in-process model stays in front: it paces this process's requests first come, first served, holds
// what only one process can know (a concurrency cap), and converges on the platform's headers as before.
// Only what it admits goes on to the shared row. Observations and platform pauses go to both, so a refund
// seen by one worker is spendable by all, and a 429 seen by one makes all of them wait.
//
// A request waiting for the shared row sleeps until the row says enough will be there, re-checking at least
// every MAX_POLL_MS: another process's refund can make room earlier, and nothing tells this process about it
// except the row. Observations of this process wake its waiters at once.
import { SyncError } from '../core/errors.js';
import type { RateLimitModel, RateLimitObservation, RateLimitRequest, SharedBuckets, SharedTake } from '../core/rate-limit.js';
import type { Queryable } from '../store/db.js';
import { adjustBucket, ensureBuckets, pauseBucket, takeFromBucket } from '../store/rate-limit-buckets.js';
import { Limiter, type LimiterOptions, type OnWait, type WaitReason } from './limiter.js';

/** Longest sleep between two takes of a waiting request (see above). */
export const MAX_POLL_MS = 100;

export interface SharedLimiterOptions extends LimiterOptions {
  /** A write of an observation or a pause failed (the database was unreachable for a moment). Requests go on:
   * the in-process model still paces them, and the next observation corrects the row. */
  onError?: (err: unknown) => void;
}

export class SharedLimiter extends Limiter {
  readonly #db: Queryable;
  readonly #key: string;
  readonly #shared: SharedBuckets;
  readonly #clock: () => number;
  readonly #onError: (err: unknown) => void;
  #ready: Promise<void> | null = null;
  #writes: Promise<void> = Promise.resolve();
  readonly #wakers = new Set<() => void>();

  /** `key`: the credential's key (connectors/credential-key.ts), the same in every process. */
  constructor(model: RateLimitModel, shared: SharedBuckets, db: Queryable, key: string, opts: SharedLimiterOptions = {}) {
    super(model, opts);
    this.#db = db;
    this.#key = key;
    this.#shared = shared;
    this.#clock = opts.now ?? Date.now;
    this.#onError = opts.onError ?? (() => undefined);
  }

  override async acquire(req: RateLimitRequest, signal: AbortSignal, onWait?: OnWait): Promise<() => void> {
    const release = await super.acquire(req, signal, onWait);
    try {
      // Several buckets are taken one after the other; one taken while waiting for the next is spent unused,
      // which errs on the safe side. No platform model has more than one per request today.
      for (const take of this.#shared.take(req)) await this.#take(take, signal, onWait);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  override observe(obs: RateLimitObservation): void {
    super.observe(obs);
    const adjusts = this.#shared.adjust(this.#clock(), obs);
    if (adjusts.length === 0) return;
    this.#write(async () => {
      for (const a of adjusts) await adjustBucket(this.#db, this.#key, a);
    });
  }

  override pause(untilMs: number, route?: string): void {
    super.pause(untilMs, route);
    // A length, not a moment: the row counts it on the database's clock, whatever this machine's says.
    const ms = untilMs - this.#clock();
    const buckets = this.#shared.paused(route);
    if (buckets.length === 0 || !(ms > 0)) return;
    this.#write(async () => {
      for (const bucket of buckets) {
        const spec = this.#shared.buckets.find((b) => b.name === bucket);
        await pauseBucket(this.#db, this.#key, bucket, ms, spec?.levelAfterPause);
      }
    });
  }

  /** Resolves when the observations and pauses written so far are in the database (tests, shutdown). */
  settled(): Promise<void> {
    return this.#writes;
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureBuckets(this.#db, this.#key, this.#shared.buckets).catch((err: unknown) => {
      this.#ready = null;
      throw err;
    });
    return this.#ready;
  }

  /** Writes run one after the other, in the order observed, and wake this process's waiters when done. */
  #write(work: () => Promise<void>): void {
    this.#writes = this.#writes
      .then(() => this.#ensure())
      .then(work)
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        for (const wake of [...this.#wakers]) wake();
      });
  }

  async #take(take: SharedTake, signal: AbortSignal, onWait: OnWait | undefined): Promise<void> {
    let reported: { untilMs: number; reason: WaitReason } | undefined;
    for (;;) {
      signal.throwIfAborted();
      let result;
      try {
        await this.#ensure();
        result = await takeFromBucket(this.#db, this.#key, take);
      } catch (err) {
        throw new SyncError('service_unavailable', 'The shared rate-limit budget could not be read from the database', { cause: err });
      }
      if (result.waitMs === 0) return;
      const untilMs = this.#clock() + result.waitMs;
      const reason: WaitReason = result.paused ? 'paused' : 'rate_limited';
      // Each take recomputes the moment; say it again only when it moved.
      if (onWait && (reported?.reason !== reason || Math.abs(reported.untilMs - untilMs) > 1)) {
        reported = { untilMs, reason };
        try {
          onWait(untilMs, reason);
        } catch {
          // A failing progress callback must not fail the request.
        }
      }
      await this.#sleep(Math.min(result.waitMs, MAX_POLL_MS), signal);
    }
  }

  /** Sleeps `ms`, or less when an observation of this process may have made room; rejects on abort. */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wakers.delete(wake);
      };
      const wake = (): void => {
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wakers.add(wake);
      if (signal.aborted) onAbort();
    });
  }
}
