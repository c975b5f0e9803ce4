// Which platform budget a connection spends from. A platform limits a credential — a shop, a seller login, a
// token — and not one of our connections or tenants: two connections to the same shop (in one tenant or in
// two) share one budget at the platform, so they must share one here. The key is a sha256 of the platform and
// the credential's identity; a secret only ever enters it hashed.
import { createHash } from 'node:crypto';
import { stableStringify } from '../core/hash.js';
import type { Connector } from './types.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const field = (cfg: unknown, name: string): unknown => (cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>)[name] : undefined);

/** What names the credential on platforms whose limit is documented per credential (platforms/*.md). */
const IDENTITY: Record<string, (cfg: unknown) => unknown> = {
  // GraphQL cost and REST buckets are per (app, shop): one shop's connections share them. Two apps on one
  // shop are taken as one budget, which can only be slower, never over the limit.
  shopify: (cfg) => String(field(cfg, 'shopDomain') ?? '').toLowerCase(),
  // Per seller login; a main and an FBE login are two logins with two budgets.
  emag: (cfg) => field(cfg, 'username'),
  // Per token.
  printful: (cfg) => sha256(String(field(cfg, 'token') ?? '')),
  // Per OAuth app and merchant (the tokens rotate; the app and the account do not).
  'jtl-ffn': (cfg) => `${String(field(cfg, 'clientId') ?? '')}:${String(field(cfg, 'merchantId') ?? '')}`,
};

/**
 * The credential's key. The base URL is part of it: the same login on another country platform, a sandbox
 * or a staging host is another budget. Platforms without an entry above are keyed by what authenticates
 * their requests (the default headers), hashed.
 */
export function credentialKey(connector: Pick<Connector<unknown>, 'platform' | 'baseUrl' | 'defaultHeaders'>, cfg: unknown): string {
  const identity = IDENTITY[connector.platform];
  const who = identity ? identity(cfg) : sha256(stableStringify(connector.defaultHeaders?.(cfg) ?? {}));
  return sha256(stableStringify({ platform: connector.platform, base: normalUrl(connector.baseUrl(cfg)), who }));
}

/** Host names are case-insensitive, a trailing slash means nothing. */
function normalUrl(url: string): string {
  let href = url;
  try {
    href = new URL(url).href;
  } catch {
    // Not a URL: compared as it is.
  }
  return href.replace(/\/+$/, '');
}
