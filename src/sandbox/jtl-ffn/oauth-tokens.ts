// The OAuth server's state (section 1): authorization codes (single-use), rotating single-use refresh tokens
// and 30-minute JWT-like access tokens carrying a `scopes` claim. A spent refresh token stays known, so its
// reuse is told apart from an unknown token and counted: that count is what concurrent-refresh tests assert.
import { randomBytes } from 'node:crypto';
import type { OAuthClient, ResolvedOptions } from './options.js';

export const DEFAULT_SCOPES = ['ffn.merchant.read', 'ffn.merchant.write'];
const CODE_TTL_MS = 10 * 60_000;

interface Grant {
  clientId: string;
  userId: string;
  scopes: string[];
}

interface AccessRec extends Grant {
  expiresAt: number;
  serial: number;
}

export interface TokenAnswer {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
  scope: string;
}

export interface TokenStats {
  /** Refresh-token grants answered with new tokens. */
  refreshes: number;
  /** Refresh attempts with a refresh token that had already been used once (each one counts). */
  refreshTokenReuses: number;
  /** Every invalid_grant answer (reused, unknown or foreign refresh token; bad code). */
  invalidGrants: number;
  clientCredentialsRefused: number;
  accessTokensIssued: number;
}

export type AccessCheck = { ok: true; grant: Grant } | { ok: false; reason: 'unknown' | 'expired' };
export type GrantResult = { ok: true; answer: TokenAnswer } | { ok: false; error: string; description: string };

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TokenStore {
  private readonly codes = new Map<string, Grant & { redirectUri: string; issuedAt: number }>();
  private readonly refreshTokens = new Map<string, Grant & { spent: boolean }>();
  private readonly accessTokens = new Map<string, AccessRec>();
  private serial = 0;
  /** Access tokens with a serial at or below this are expired (the "token expiry mid-run" fault). */
  private expiredUpTo = 0;
  private readonly counters: TokenStats = { refreshes: 0, refreshTokenReuses: 0, invalidGrants: 0, clientCredentialsRefused: 0, accessTokensIssued: 0 };

  constructor(private readonly options: ResolvedOptions) {}

  client(clientId: string): OAuthClient | undefined {
    return this.options.clients.find((c) => c.clientId === clientId);
  }

  stats(): TokenStats {
    return { ...this.counters };
  }

  refusedClientCredentials(): void {
    this.counters.clientCredentialsRefused += 1;
  }

  issueCode(clientId: string, scopes: string[], redirectUri: string): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { clientId, userId: this.options.userId, scopes, redirectUri, issuedAt: Date.now() });
    return code;
  }

  exchangeCode(clientId: string, code: string, redirectUri: string): GrantResult {
    const grant = this.codes.get(code);
    // Single-use: the code is gone whatever the outcome, as a replayed code must never work.
    this.codes.delete(code);
    if (!grant || grant.clientId !== clientId || Date.now() - grant.issuedAt > CODE_TTL_MS) return this.invalidGrant('authorization code is invalid, expired or already used');
    if (grant.redirectUri !== redirectUri) return this.invalidGrant('redirect_uri does not match the authorization request');
    return { ok: true, answer: this.issue(grant) };
  }

  /** Spends `token` synchronously, so of two concurrent refreshes with one token exactly one wins. */
  refresh(clientId: string, token: string): GrantResult {
    const rec = this.refreshTokens.get(token);
    if (!rec || rec.clientId !== clientId) return this.invalidGrant('refresh token is invalid');
    if (rec.spent) {
      this.counters.refreshTokenReuses += 1;
      return this.invalidGrant('refresh token already used');
    }
    rec.spent = true;
    this.counters.refreshes += 1;
    return { ok: true, answer: this.issue(rec) };
  }

  /**
   * A refresh token as if the user had just completed the authorization-code grant. Only the refresh token:
   * the access token of that grant would be thrown away, and must not count in accessTokensIssued.
   */
  issueRefreshToken(clientId: string, scopes: string[]): string {
    const token = randomBytes(32).toString('base64url');
    this.refreshTokens.set(token, { clientId, userId: this.options.userId, scopes, spent: false });
    return token;
  }

  checkAccess(token: string): AccessCheck {
    const rec = this.accessTokens.get(token);
    if (!rec) return { ok: false, reason: 'unknown' };
    if (rec.serial <= this.expiredUpTo || Date.now() >= rec.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, grant: rec };
  }

  expireAll(): void {
    this.expiredUpTo = this.serial;
  }

  private invalidGrant(description: string): GrantResult {
    this.counters.invalidGrants += 1;
    return { ok: false, error: 'invalid_grant', description };
  }

  private issue(grant: Grant): TokenAnswer {
    const ttl = this.options.accessTokenTtlSec;
    const iat = Math.floor(Date.now() / 1000);
    this.serial += 1;
    // Looks like JTL's RS256 JWT (clients may decode the payload) but is only checked by lookup here.
    const accessToken = [
      b64url({ alg: 'RS256', typ: 'JWT', kid: 'sandbox' }),
      b64url({ iss: 'jtl-ffn-sandbox', sub: grant.userId, client_id: grant.clientId, scopes: grant.scopes, iat, exp: iat + ttl, jti: randomBytes(8).toString('hex') }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    this.accessTokens.set(accessToken, { ...grant, expiresAt: Date.now() + ttl * 1000, serial: this.serial });
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshTokens.set(refreshToken, { ...grant, spent: false });
    this.counters.accessTokensIssued += 1;
    return { token_type: 'Bearer', expires_in: ttl, access_token: accessToken, refresh_token: refreshToken, scope: grant.scopes.join(' ') };
  }
}
