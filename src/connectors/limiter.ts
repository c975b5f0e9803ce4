// The async side of rate limiting: one Limiter per connection wraps that connection's pure model
// (core/rate-limit.ts). Every wait comes from the model: a finite wait becomes one timer for the whole queue,
// an infinite one (a full concurrency cap) is woken by a release, and observations or pauses re-check the
// queue at once, so a refund or a lifted limit is used without polling.
//
// Order: first come, first served among requests of the same route. A request whose route is blocked does
// not hold up requests of other routes (eMAG's order routes keep flowing while the shared bucket of all
// other routes is empty); for models without route groups the other routes are simply refused as well.
import { SyncError } from '../core/errors.js';
import type { RateLimitModel, RateLimitObservation, RateLimitRequest } from '../core/rate-limit.js';

export type WaitReason = 'rate_limited' | 'paused';
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;
export type OnWait = (untilMs: number, reason: WaitReason) => void;

export interface LimiterOptions {
  /** Clock in ms epoch. Default Date.now. */
  now?: () => number;
  /** Abortable sleep; rejects with the signal's reason when aborted. Default: setTimeout based. */
  sleep?: Sleep;
}

// setTimeout fires at once for delays above 2^31 - 1 ms; longer waits are made of several timers.
const MAX_TIMER_MS = 2_147_483_647;

/** Sleeps `ms`, rejecting with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface Waiter {
  req: RateLimitRequest;
  key: string;
  signal: AbortSignal;
  onWait: OnWait | undefined;
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  onAbort: () => void;
  reported?: { untilMs: number; reason: WaitReason };
}

export class Limiter {
  private readonly model: RateLimitModel;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly queue: Waiter[] = [];
  private inFlight = 0;
  private timer: AbortController | null = null;
  private timerAt = Infinity;
  private pumping = false;
  private pumpAgain = false;

  constructor(model: RateLimitModel, opts: LimiterOptions = {}) {
    this.model = model;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? abortableSleep;
  }

  /**
   * Resolves with a release function once the model admits the request; call it when the request has
   * finished (it is idempotent). Rejects with the signal's reason as soon as `signal` aborts. `onWait` hears
   * when the request has to wait for time (not for a concurrency slot), with the earliest moment it may go.
   */
  acquire(req: RateLimitRequest, signal: AbortSignal, onWait?: OnWait): Promise<() => void> {
    return new Promise<() => void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter: Waiter = { req, key: req.route ?? '', signal, onWait, resolve, reject, onAbort: () => {} };
      waiter.onAbort = () => {
        if (!this.remove(waiter)) return;
        reject(signal.reason);
        // The waiter may have been the head of its route; the next one may go now.
        this.pump();
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Feeds what the platform reported to the model, then lets waiters go if that freed capacity. */
  observe(obs: RateLimitObservation): void {
    this.model.observe(this.now(), obs);
    this.pump();
  }

  /** The platform said wait until `untilMs`: every request (of the route's group, if given) waits. */
  pause(untilMs: number, route?: string): void {
    this.model.pause(untilMs, route);
    this.pump();
  }

  pausedUntil(route?: string): number | null {
    return this.model.pausedUntil(this.now(), route);
  }

  /** Requests waiting for capacity and requests admitted but not yet released. */
  stats(): { waiting: number; inFlight: number } {
    return { waiting: this.queue.length, inFlight: this.inFlight };
  }

  private remove(waiter: Waiter): boolean {
    const i = this.queue.indexOf(waiter);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  // Release functions, abort handlers and callbacks may re-enter; a nested call only asks for another round.
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    const now = this.now();
    const blocked = new Map<string, number>();
    let soonest = Infinity;
    for (const waiter of [...this.queue]) {
      let wait = blocked.get(waiter.key);
      if (wait === undefined) {
        try {
          wait = this.model.reserve(now, waiter.req);
        } catch (err) {
          // A model that cannot place the request (e.g. a route mapped to no group) fails that request only.
          if (this.remove(waiter)) waiter.reject(err);
          continue;
        }
        if (wait <= 0) {
          this.grant(waiter);
          continue;
        }
        blocked.set(waiter.key, wait);
        soonest = Math.min(soonest, wait);
      }
      this.report(waiter, now, wait);
    }
    if (this.inFlight === 0) this.failStuck(blocked);
    this.schedule(now, soonest);
  }

  private grant(waiter: Waiter): void {
    this.remove(waiter);
    this.inFlight += 1;
    let released = false;
    waiter.resolve(() => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.model.release(this.now(), waiter.req);
      this.pump();
    });
  }

  private report(waiter: Waiter, now: number, wait: number): void {
    if (waiter.onWait === undefined || !Number.isFinite(wait)) return;
    const untilMs = now + wait;
    const reason: WaitReason = this.model.pausedUntil(now, waiter.req.route) === null ? 'rate_limited' : 'paused';
    const last = waiter.reported;
    // Each pass recomputes the same moment, give or take the rounding of a millisecond.
    if (last !== undefined && last.reason === reason && Math.abs(last.untilMs - untilMs) <= 1) return;
    waiter.reported = { untilMs, reason };
    try {
      waiter.onWait(untilMs, reason);
    } catch {
      // A failing progress callback must not stall the queue of every other request.
    }
  }

  /** With nothing in flight no release will ever come: a wait for one would hang the run for good. */
  private failStuck(blocked: Map<string, number>): void {
    for (const [key, wait] of blocked) {
      if (Number.isFinite(wait)) continue;
      for (const waiter of this.queue.filter((w) => w.key === key)) {
        this.remove(waiter);
        waiter.reject(new SyncError('config_invalid', 'The rate limit model refuses requests while none is in flight'));
      }
    }
  }

  private schedule(now: number, wait: number): void {
    if (!Number.isFinite(wait)) {
      this.cancelTimer();
      return;
    }
    const at = now + wait;
    // An earlier wake-up is already set: it re-checks the queue and sets the next one.
    if (this.timer !== null && this.timerAt <= at) return;
    this.cancelTimer();
    const timer = new AbortController();
    this.timer = timer;
    this.timerAt = at;
    this.sleep(wait, timer.signal).then(
      () => {
        if (this.timer !== timer) return;
        this.timer = null;
        this.timerAt = Infinity;
        this.pump();
      },
      () => {},
    );
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    this.timer.abort();
    this.timer = null;
    this.timerAt = Infinity;
  }
}
