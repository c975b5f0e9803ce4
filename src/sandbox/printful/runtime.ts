// Everything one Printful sandbox instance holds, shared by its HTTP routes and its programmatic API.
import { SandboxClock } from '../common/clock.js';
import { Faults } from './faults.js';
import { FixedWindows, V2TokenBuckets } from './limits.js';
import type { ResolvedOptions } from './options.js';
import { RequestLog } from './request-log.js';
import { seedCatalog } from './store/seed.js';
import { PrintfulStore } from './store/store.js';
import { WebhookConfigs } from './webhooks/configs.js';

export interface SandboxRuntime {
  options: ResolvedOptions;
  clock: SandboxClock;
  store: PrintfulStore;
  faults: Faults;
  log: RequestLog;
  limits: { v1: FixedWindows; productWrites: FixedWindows; unauthenticatedCatalog: FixedWindows; v2: V2TokenBuckets };
  webhooks: WebhookConfigs;
  /** Set once the server listens: http://127.0.0.1:<port>. */
  baseUrl: string;
}

export function createRuntime(options: ResolvedOptions): SandboxRuntime {
  const clock = new SandboxClock(options.timeScale);
  const store = new PrintfulStore();
  store.load(seedCatalog(options.catalog));
  return {
    options,
    clock,
    store,
    faults: new Faults(options.seed),
    log: new RequestLog(),
    limits: {
      v1: new FixedWindows(options.v1Limit, clock),
      productWrites: new FixedWindows(options.productWriteLimit, clock),
      unauthenticatedCatalog: new FixedWindows(options.unauthenticatedCatalogLimit, clock),
      v2: new V2TokenBuckets(options.v2Bucket, clock),
    },
    webhooks: new WebhookConfigs(),
    baseUrl: '',
  };
}
