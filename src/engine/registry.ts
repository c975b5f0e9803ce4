// Which connector serves a platform, and one rate limiter per connection (per platform credential)
// in this process, so every run and retry of a connection shares the same budget.
import type { Connector } from '../connectors/types.js';
import type { Limiter } from '../connectors/limiter.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = Connector<any>;

export interface ConnectorRegistry {
  get(platform: string): AnyConnector | undefined;
}

export function connectorRegistry(connectors: AnyConnector[]): ConnectorRegistry {
  const byPlatform = new Map(connectors.map((c) => [c.platform as string, c]));
  return { get: (platform) => byPlatform.get(platform) };
}

export class LimiterRegistry {
  readonly #limiters = new Map<string, { limiter: Limiter; fingerprint: string }>();

  /** The connection's limiter; rebuilt when the connection's settings change the model. */
  get(connectionId: string, fingerprint: string, create: () => Limiter): Limiter {
    const found = this.#limiters.get(connectionId);
    if (found && found.fingerprint === fingerprint) return found.limiter;
    const limiter = create();
    this.#limiters.set(connectionId, { limiter, fingerprint });
    return limiter;
  }
}
