// Everything one sandbox instance holds, shared by its HTTP routes and its programmatic API.
import { SandboxClock } from '../common/clock.js';
import { Faults } from './faults.js';
import type { ResolvedOptions } from './options.js';
import type { WriteContext } from './product-writes.js';
import { RequestLog } from './request-log.js';
import type { ShapeContext } from './shapes.js';
import { WooStore } from './store.js';

export interface WooRuntime {
  options: ResolvedOptions;
  clock: SandboxClock;
  store: WooStore;
  faults: Faults;
  log: RequestLog;
  /** OAuth nonces seen per consumer key, with their timestamp (seconds), for the 15-minute replay check. */
  nonces: Map<string, Map<string, number>>;
  /** Rows of the last list answer per route, which the pageRepeat fault serves again. */
  lastPages: Map<string, unknown[]>;
  /** Set once the server listens: http://127.0.0.1:<port>. */
  baseUrl: string;
  /** Store time: wall clock plus the clock-skew fault. */
  now(): number;
  /** The home URL (option, else the listening URL) that signatures and links are built from. */
  home(): string;
  write(strict: boolean): WriteContext;
  shape(): ShapeContext;
}

export function createRuntime(options: ResolvedOptions): WooRuntime {
  const faults = new Faults(options.seed);
  const runtime: WooRuntime = {
    options,
    clock: new SandboxClock(options.timeScale),
    store: new WooStore(() => runtime.now()),
    faults,
    log: new RequestLog(),
    nonces: new Map(),
    lastPages: new Map(),
    baseUrl: '',
    now: () => Date.now() + faults.current.clockSkewMs,
    home: () => options.homeUrl ?? runtime.baseUrl,
    write: (strict) => ({ store: runtime.store, now: runtime.now(), strict }),
    shape: () => ({ store: runtime.store, home: runtime.home(), timeZone: options.timeZone }),
  };
  return runtime;
}
