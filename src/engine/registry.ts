// Which connector serves a platform, and one rate limiter per platform credential in this process, so every
// run, retry and connection that uses the credential shares its budget. On PostgreSQL, where any number of
// worker processes share the database, each limiter also spends from the credential's shared bucket rows
// (connectors/shared-limiter.ts); on PGlite one process owns the database and the in-memory limiter is the
// whole budget.
import { credentialKey } from '../connectors/credential-key.js';
import { Limiter } from '../connectors/limiter.js';
import { SharedLimiter } from '../connectors/shared-limiter.js';
import type { Connector } from '../connectors/types.js';
import { contentHash } from '../core/hash.js';
import type { Db } from '../store/db.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = Connector<any>;

export interface ConnectorRegistry {
  get(platform: string): AnyConnector | undefined;
}

export function connectorRegistry(connectors: AnyConnector[]): ConnectorRegistry {
  const byPlatform = new Map(connectors.map((c) => [c.platform as string, c]));
  return { get: (platform) => byPlatform.get(platform) };
}

/**
 * Test-only: per-process limiters even on PostgreSQL, as before budgets were shared. It exists to prove that
 * the multi-process test (test/pg/shared-limits.test.ts) sees the 429 storm it guards against.
 */
export const PER_PROCESS_LIMITS_ENV = 'COMMERCE_SYNC_TEST_PER_PROCESS_LIMITS';

export interface LimiterFor {
  db: Db;
  connector: AnyConnector;
  /** The connection's validated config. */
  config: unknown;
  onError?: (err: unknown) => void;
}

export class LimiterRegistry {
  readonly #limiters = new Map<string, Limiter>();

  /**
   * The limiter of the credential the config names. Connections that share the credential but differ in
   * settings the model reads (eMAG's configured rates) get a limiter each here, built from their own
   * settings; on PostgreSQL they still meet in the same bucket rows.
   */
  limiterFor({ db, connector, config, onError }: LimiterFor): Limiter {
    const credential = credentialKey(connector, config);
    // Hashed: the config holds the credential's secrets. A changed config gets a new limiter; the old one is
    // a few bytes per change of settings for the life of the process.
    const id = `${credential}:${contentHash(config)}`;
    const found = this.#limiters.get(id);
    if (found) return found;
    const model = connector.rateLimit(config);
    const shared = db.driver === 'pg' && process.env[PER_PROCESS_LIMITS_ENV] !== '1' ? model.sharedBuckets?.() : undefined;
    const limiter = shared && shared.buckets.length > 0 ? new SharedLimiter(model, shared, db, credential, { onError }) : new Limiter(model);
    this.#limiters.set(id, limiter);
    return limiter;
  }
}
