// Everything one sandbox instance holds, shared by its HTTP routes and its programmatic API.
import { LeakyBucket } from '../common/bucket.js';
import { SandboxClock } from '../common/clock.js';
import { Faults } from './faults.js';
import type { ResolvedOptions } from './options.js';
import { RequestLog } from './request-log.js';
import { ShopifyStore } from './store/store.js';
import { BulkOperations } from './bulk/operations.js';
import { WebhookSubscriptions } from './webhooks/subscriptions.js';
import type { SessionState } from './graphql/context.js';
import { ALL_SCOPES, createSessionState } from './graphql/context.js';

/** REST legacy bucket: 40 requests, leaking 2 per second (Standard plan). */
export const REST_BUCKET = { maximumAvailable: 40, restoreRate: 2 };

export interface SandboxRuntime {
  options: ResolvedOptions;
  clock: SandboxClock;
  store: ShopifyStore;
  /** GraphQL cost bucket per (app, shop): the sandbox serves one app on one shop. */
  bucket: LeakyBucket;
  restBucket: LeakyBucket;
  faults: Faults;
  log: RequestLog;
  bulk: BulkOperations;
  webhooks: WebhookSubscriptions;
  session: SessionState;
  /** Access tokens and their scopes: the configured token has every scope, OAuth adds more. */
  tokens: Map<string, ReadonlySet<string>>;
  /** Set once the server listens: http://127.0.0.1:<port>. */
  baseUrl: string;
}

export function createRuntime(options: ResolvedOptions): SandboxRuntime {
  const clock = new SandboxClock(options.timeScale);
  const store = new ShopifyStore(clock);
  const faults = new Faults(options.seed);
  const runtime: SandboxRuntime = {
    options, clock, store, faults,
    bucket: new LeakyBucket({ ...options.bucket }, clock),
    restBucket: new LeakyBucket({ ...REST_BUCKET }, clock),
    log: new RequestLog(),
    bulk: undefined as unknown as BulkOperations,
    webhooks: new WebhookSubscriptions(store),
    session: createSessionState(),
    tokens: new Map([[options.accessToken, new Set<string>(ALL_SCOPES)]]),
    baseUrl: '',
  };
  runtime.bulk = new BulkOperations({ store, clock, faults, baseUrl: () => runtime.baseUrl, dir: options.bulkDir });
  return runtime;
}
