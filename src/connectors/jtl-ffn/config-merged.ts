// The connector's view of a JTL-FFN connection: settings and the OAuth client validated together. The
// tokens are not part of it: the engine reads and rotates them in the stored credentials
// (engine/oauth-tokens.ts), so a refresh neither changes the connection's config (nor its limiter key)
// nor lets a run hold a token that another process has since replaced.
import type { z } from 'zod';
import { credentialsSchema, settingsSchema } from './config.js';

export const jtlConfig = settingsSchema
  .extend(credentialsSchema.shape)
  .transform(({ refreshToken: _r, accessToken: _a, accessTokenExpiresAt: _e, ...cfg }) => cfg);
export type JtlConfig = z.infer<typeof jtlConfig>;

const HOSTS = { sandbox: 'https://ffn-sbx.api.jtl-software.com/api', production: 'https://ffn2.api.jtl-software.com/api' } as const;
const OAUTH = 'https://oauth2.api.jtl-software.com';
const trim = (url: string) => url.replace(/\/+$/, '');

/** The API base (`.../api`); merchant paths are `v1/merchant/...` below it. */
export const jtlBaseUrl = (cfg: JtlConfig): string => trim(cfg.baseUrl ?? HOSTS[cfg.environment]);

/** The OAuth server (the same for sandbox and production); its token endpoint is `/token`. */
export const jtlOAuthUrl = (cfg: JtlConfig): string => trim(cfg.oauthUrl ?? OAUTH);
