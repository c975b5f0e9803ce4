// Everything one sandbox instance holds, shared by its HTTP routes and its programmatic API.
import { SandboxClock } from '../common/clock.js';
import { Faults } from './faults.js';
import { AccountLimits } from './limits.js';
import type { AccountConfig, ResolvedOptions } from './options.js';
import { RequestLog } from './request-log.js';
import { AccountStore } from './store.js';

export interface Account {
  config: AccountConfig;
  index: number;
  /** Order type of this login: 2 FBE, 3 seller-fulfilled. */
  type: 2 | 3;
  store: AccountStore;
  limits: AccountLimits;
  /** Results of the last read per route, which the page-repeat fault serves again. */
  lastPage: Map<string, unknown[]>;
}

export interface SandboxRuntime {
  options: ResolvedOptions;
  clock: SandboxClock;
  faults: Faults;
  log: RequestLog;
  accounts: Map<string, Account>;
  /** Set once the server listens: http://127.0.0.1:<port>. */
  baseUrl: string;
}

export function createRuntime(options: ResolvedOptions): SandboxRuntime {
  const clock = new SandboxClock(options.timeScale);
  const accounts = new Map<string, Account>();
  options.accounts.forEach((config, index) => {
    accounts.set(config.name, {
      config,
      index,
      type: config.kind === 'fbe' ? 2 : 3,
      store: new AccountStore(clock),
      limits: new AccountLimits(options.limits, clock),
      lastPage: new Map(),
    });
  });
  return { options, clock, faults: new Faults(options.seed), log: new RequestLog(), accounts, baseUrl: '' };
}

export function accountByUsername(runtime: SandboxRuntime, username: string): Account | undefined {
  for (const a of runtime.accounts.values()) if (a.config.username === username) return a;
  return undefined;
}
