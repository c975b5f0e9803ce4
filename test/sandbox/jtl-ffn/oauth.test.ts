// OAuth (platforms/jtl-ffn.md section 1, 8, 9): authorization-code grant with single-use codes, Basic client
// auth, client_credentials refused, rotating single-use refresh tokens with reuse counted, concurrent refresh
// races, expired access tokens, missing scopes and the portal-login flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJtlFfnSandbox, startJtlFfnSandbox, type JtlFfnSandbox } from '../../../src/sandbox/jtl-ffn/index.js';
import { accessToken, api, basic, tokenCall } from './helpers.js';

let sb: JtlFfnSandbox;
beforeAll(async () => {
  sb = await startJtlFfnSandbox();
});
afterAll(async () => {
  await sb?.close();
});

describe('authorization-code grant', () => {
  it('redirects with code and state, trades the code once for Bearer tokens with a JWT-like access token', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const authorize = new URL(`${sb.oauthUrl}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: sb.clientId, redirect_uri: redirectUri, scope: 'ffn.merchant.read ffn.merchant.write', state: 'xyz' })) authorize.searchParams.set(k, v);
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const tokens = await tokenCall(sb, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, scope: 'ffn.merchant.read ffn.merchant.write' });
    expect(typeof tokens.body.refresh_token).toBe('string');
    const [, payload] = (tokens.body.access_token as string).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ client_id: sb.clientId, scopes: ['ffn.merchant.read', 'ffn.merchant.write'] });
    expect(claims.exp - claims.iat).toBe(1800);
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: tokens.body.access_token })).status).toBe(200);

    const again = await tokenCall(sb, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('refuses a code presented with another redirect_uri', async () => {
    const res = await fetch(`${sb.oauthUrl}/authorize?response_type=code&client_id=${sb.clientId}&redirect_uri=${encodeURIComponent('http://a.test/cb')}&state=s`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    expect((await tokenCall(sb, { grant_type: 'authorization_code', code, redirect_uri: 'http://b.test/cb' })).body.error).toBe('invalid_grant');
  });

  it('needs Basic client auth on the token endpoint', async () => {
    const form = { grant_type: 'refresh_token', refresh_token: sb.issueRefreshToken() };
    expect(await tokenCall(sb, form, null)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await tokenCall(sb, form, basic(sb.clientId, 'wrong'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('refuses client_credentials with 401 unauthorized_client and counts it', async () => {
    const before = sb.tokenStats().clientCredentialsRefused;
    const res = await tokenCall(sb, { grant_type: 'client_credentials', scope: 'ffn.merchant.read' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'client_credentials is not supported' });
    expect(sb.tokenStats().clientCredentialsRefused).toBe(before + 1);
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new refresh token and spends the old one; reuse is 401 invalid_grant, counted', async () => {
    const before = sb.tokenStats();
    const first = sb.issueRefreshToken();
    const r1 = await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: first });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(first);
    const r2 = await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: r1.body.refresh_token });
    expect(r2.status).toBe(200);
    const reuse = await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: first });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'refresh token already used' });
    const unknown = await tokenCall(sb, { grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_grant' } });
    const after = sb.tokenStats();
    expect(after.refreshes - before.refreshes).toBe(2);
    expect(after.refreshTokenReuses - before.refreshTokenReuses).toBe(1);
    expect(after.invalidGrants - before.invalidGrants).toBe(2);
    expect(after.accessTokensIssued - before.accessTokensIssued).toBe(2);
  });

  it('concurrent refreshes with one token: exactly one succeeds, the others are counted reuses', async () => {
    const racy = await startJtlFfnSandbox({ refreshDelayMs: 50 });
    try {
      const token = racy.issueRefreshToken();
      const results = await Promise.all(Array.from({ length: 5 }, () => tokenCall(racy, { grant_type: 'refresh_token', refresh_token: token })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401 && r.body.error === 'invalid_grant')).toHaveLength(4);
      expect(racy.tokenStats()).toMatchObject({ refreshes: 1, refreshTokenReuses: 4, invalidGrants: 4 });
    } finally {
      await racy.close();
    }
  });
});

describe('API auth', () => {
  it('answers 401 in the error shape without a token, with an unknown one, and after expireAccessTokens', async () => {
    const missing = await api(sb, 'GET', 'v1/merchant/products');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ errorCode: { code: 'Unauthorized' }, errorMessages: [{ message: expect.any(String) }], errorMetaData: {} });
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: 'x.y.z' })).status).toBe(401);
    const token = await accessToken(sb);
    expect((await api(sb, 'GET', 'v1/merchant/products', { token })).status).toBe(200);
    sb.expireAccessTokens();
    const expired = await api(sb, 'GET', 'v1/merchant/products', { token });
    expect(expired.status).toBe(401);
    expect(expired.body.errorCode.code).toBe('Unauthorized');
    // Refresh tokens survive the expiry: a new access token works.
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: await accessToken(sb) })).status).toBe(200);
  });

  it('expires access tokens after accessTokenTtlSec', async () => {
    const short = await startJtlFfnSandbox({ accessTokenTtlSec: 0.05 });
    try {
      const token = await accessToken(short);
      const started = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - started < 5000) status = (await api(short, 'GET', 'v1/merchant/warehouses', { token })).status;
      expect(status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('answers 403 when the token lacks the scope (read for GET, write for writes)', async () => {
    const readOnly = await accessToken(sb, { scopes: ['ffn.merchant.read'] });
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: readOnly })).status).toBe(200);
    const denied = await api(sb, 'POST', 'v1/merchant/products', { token: readOnly, body: { merchantSku: 'X-403', name: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.body.errorCode.code).toBe('Forbidden');
    const writeOnly = await accessToken(sb, { scopes: ['ffn.merchant.write'] });
    expect((await api(sb, 'GET', 'v1/merchant/products', { token: writeOnly })).status).toBe(403);
  });

  it('answers 404 to every API call until the user has logged into the portal', async () => {
    const fresh = createJtlFfnSandbox({ portalLoggedIn: false });
    try {
      await fresh.app.ready();
      const token = fresh.issueRefreshToken();
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
      const t = await fresh.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(fresh.clientId, fresh.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
      expect(t.statusCode).toBe(200);
      const bearer = { authorization: `Bearer ${t.json().access_token}` };
      for (const url of ['/api/v1/merchant/products', '/api/v1/merchant/stocks', '/api/v1/merchant/outbounds']) {
        expect((await fresh.app.inject({ method: 'GET', url, headers: bearer })).statusCode).toBe(404);
      }
      fresh.setPortalLoggedIn(true);
      expect((await fresh.app.inject({ method: 'GET', url: '/api/v1/merchant/products', headers: bearer })).statusCode).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
