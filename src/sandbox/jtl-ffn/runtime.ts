// Everything one sandbox instance holds, shared by its HTTP routes and its programmatic API.
import { SandboxClock } from '../common/clock.js';
import { SeededRandom } from '../common/random.js';
import { Faults } from './faults.js';
import { TokenStore } from './oauth-tokens.js';
import type { ResolvedOptions } from './options.js';
import { RequestLog } from './request-log.js';
import { FfnStore } from './store.js';

export interface FfnRuntime {
  options: ResolvedOptions;
  clock: SandboxClock;
  store: FfnStore;
  faults: Faults;
  log: RequestLog;
  tokens: TokenStore;
  /** The per-user "has logged into the portal" flag (section 1); starts from the option. */
  portalLoggedIn: boolean;
  /** Set once the server listens: http://127.0.0.1:<port>. */
  baseUrl: string;
  /** Real wall-clock time: entity and change timestamps are never skewed, only the feeds' default `to` is. */
  now(): number;
  /** The server's idea of "now" when it picks a feed's default `to`: wall clock plus the clock-skew fault. */
  feedNow(): number;
  /**
   * A change time: never earlier than now; strictly after the last default feed `to` (unskewed), so a change
   * made in the same millisecond as a feed read lands in the next window instead of behind a `to` the client
   * has already stored; and strictly after `previous` (the entity's last change), so every change gives a new
   * objectVersion.
   */
  stamp(previous?: number): number;
}

export function createRuntime(options: ResolvedOptions): FfnRuntime {
  const clock = new SandboxClock(options.timeScale);
  const faults = new Faults(options.seed, clock, {
    latencyMs: options.latencyMs, repeatFeedItems: options.repeatFeedItems, rateLimit: options.rateLimit,
  });
  // A tiny logical clock over the wall clock: a feed's `to` covers every change already stamped (stamps can
  // run a millisecond ahead), and every later change is stamped after that `to`.
  let lastFeedNow = 0;
  let lastStamp = 0;
  const runtime: FfnRuntime = {
    options,
    clock,
    store: new FfnStore(new SeededRandom(options.seed)),
    faults,
    log: new RequestLog(),
    tokens: new TokenStore(options),
    portalLoggedIn: options.portalLoggedIn,
    baseUrl: '',
    now: () => Date.now(),
    feedNow: () => {
      lastFeedNow = Math.max(Date.now(), lastStamp);
      return lastFeedNow + faults.current.clockSkewMs;
    },
    stamp: (previous) => {
      lastStamp = Math.max(lastStamp, Date.now(), lastFeedNow + 1, previous === undefined ? 0 : previous + 1);
      return lastStamp;
    },
  };
  const now = runtime.now();
  for (let i = 1; i <= options.warehouses; i += 1) runtime.store.addWarehouse(i, now);
  return runtime;
}
