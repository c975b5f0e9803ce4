// Authentication (platforms/woocommerce.md section 1): the OAuth 1.0a worked example, nonce replay,
// timestamp window, home-URL base string; Basic and query auth (allowed on http by allowInsecureAuth);
// the 401 bodies of the sheet's table; read-only keys.
import { afterEach, describe, expect, it } from 'vitest';
import { oauthSignature, startWooSandbox, type WooSandbox } from '../../../src/sandbox/woocommerce/index.js';
import { call } from './helpers.js';

const EXAMPLE = {
  params: [['per_page', '5'], ['oauth_consumer_key', 'ck_example'], ['oauth_nonce', 'abc123'], ['oauth_signature_method', 'HMAC-SHA256'], ['oauth_timestamp', '1700000000'], ['oauth_version', '1.0']] as [string, string][],
  signature: 'vGf9NWpI+VC/hdkH6GBQGVMQAEZDbNa1nyhnwQZfm18=',
};

let sb: WooSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('OAuth 1.0a', () => {
  it('reproduces the sheet worked example signature', () => {
    expect(oauthSignature('GET', 'http://localhost:8080/wp-json/wc/v3/products', EXAMPLE.params, 'cs_example', 'HMAC-SHA256')).toBe(EXAMPLE.signature);
  });

  it('accepts the worked example against a store whose home URL is http://localhost:8080, then refuses the replayed nonce', async () => {
    sb = await startWooSandbox({ homeUrl: 'http://localhost:8080', keys: [{ consumerKey: 'ck_example', consumerSecret: 'cs_example', permissions: 'read_write' }] });
    sb.seed({ products: 7 });
    // The example is from 1700000000: skew the store clock so it falls inside the +-15 min window.
    sb.setFaults({ clockSkewMs: 1_700_000_000_000 - Date.now() });
    const query = new URLSearchParams([...EXAMPLE.params, ['oauth_signature', EXAMPLE.signature]]);
    const url = `${sb.url}/wp-json/wc/v3/products?${query.toString()}`;
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveLength(5);
    const replay = await fetch(url);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ code: 'woocommerce_rest_authentication_error', message: 'Invalid nonce - nonce has already been used.', data: { status: 401 } });
    expect(sb.requests().map((r) => r.auth)).toEqual(['oauth', null]);
  });

  it('refuses bad signatures, stale timestamps, unknown keys, bad methods and partial parameters with the sheet messages', async () => {
    sb = await startWooSandbox({ keys: [{ consumerKey: 'ck_example', consumerSecret: 'cs_example', permissions: 'read_write' }] });
    const signed = (overrides: Record<string, string>, secret = 'cs_example') => {
      const params: [string, string][] = Object.entries({
        oauth_consumer_key: 'ck_example', oauth_nonce: `n${Math.random()}`, oauth_signature_method: 'HMAC-SHA1',
        oauth_timestamp: String(Math.floor(Date.now() / 1000)), oauth_version: '1.0', ...overrides,
      });
      const method = overrides.oauth_signature_method === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'HMAC-SHA1';
      const sig = oauthSignature('GET', `${sb?.url}/wp-json/wc/v3/orders`, params, secret, method);
      return `${sb?.url}/wp-json/wc/v3/orders?${new URLSearchParams([...params, ['oauth_signature', sig]]).toString()}`;
    };
    const message = async (url: string) => {
      const res = await fetch(url);
      return [res.status, ((await res.json()) as { message: string }).message];
    };
    expect(await message(signed({}))).toEqual([200, undefined]);
    expect(await message(signed({}, 'wrong'))).toEqual([401, 'Invalid signature - provided signature does not match.']);
    expect(await message(signed({ oauth_timestamp: String(Math.floor(Date.now() / 1000) - 16 * 60) }))).toEqual([401, 'Invalid timestamp.']);
    expect(await message(signed({ oauth_consumer_key: 'ck_unknown' }))).toEqual([401, 'Consumer key is invalid.']);
    expect(await message(signed({ oauth_signature_method: 'PLAINTEXT' }))).toEqual([401, 'Invalid signature - signature method is invalid.']);
    const partial = await fetch(`${sb.url}/wp-json/wc/v3/orders?oauth_consumer_key=ck_example`);
    expect(await partial.json()).toMatchObject({ code: 'woocommerce_rest_authentication_missing_parameter', message: expect.stringMatching(/^Missing OAuth parameters /) });
  });

  it('takes OAuth parameters from an Authorization: OAuth header too', async () => {
    sb = await startWooSandbox();
    const params: [string, string][] = [
      ['oauth_consumer_key', sb.consumerKey], ['oauth_nonce', 'hdr1'], ['oauth_signature_method', 'HMAC-SHA256'],
      ['oauth_timestamp', String(Math.floor(Date.now() / 1000))], ['oauth_version', '1.0'],
    ];
    const sig = oauthSignature('GET', `${sb.url}/wp-json/wc/v3/customers`, [...params, ['per_page', '3']], sb.consumerSecret, 'HMAC-SHA256');
    const withSig: [string, string][] = [...params, ['oauth_signature', sig]];
    const header = `OAuth ${withSig.map(([k, v]) => `${k}="${encodeURIComponent(v)}"`).join(', ')}`;
    const res = await fetch(`${sb.url}/wp-json/wc/v3/customers?per_page=3`, { headers: { authorization: header } });
    expect(res.status).toBe(200);
  });
});

describe('Basic and query auth', () => {
  it('accepts Basic and query auth on http while allowInsecureAuth is on (the default)', async () => {
    sb = await startWooSandbox();
    expect((await call(sb, 'GET', 'products', { auth: 'basic' })).status).toBe(200);
    expect((await call(sb, 'GET', 'products', { auth: 'query' })).status).toBe(200);
    expect(sb.requests().map((r) => r.auth)).toEqual(['basic', 'query']);
  });

  it('answers a wrong secret with 401 and WWW-Authenticate, and no credentials with cannot_view', async () => {
    sb = await startWooSandbox();
    const wrong = await fetch(`${sb.url}/wp-json/wc/v3/products`, { headers: { authorization: `Basic ${Buffer.from(`${sb.consumerKey}:nope`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="WooCommerce API/);
    expect(await wrong.json()).toEqual({ code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.', data: { status: 401 } });
    const none = await call(sb, 'GET', 'products', { auth: 'none' });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
  });

  it('ignores Basic over http when allowInsecureAuth is off, as the real server does without HTTPS', async () => {
    sb = await startWooSandbox({ allowInsecureAuth: false });
    expect((await call(sb, 'GET', 'products', { auth: 'basic' })).body.code).toBe('woocommerce_rest_cannot_view');
  });

  it('refuses writes with a read-only key', async () => {
    sb = await startWooSandbox({ keys: [{ consumerKey: 'ck_ro', consumerSecret: 'cs_ro', permissions: 'read' }] });
    expect((await call(sb, 'GET', 'products')).status).toBe(200);
    const write = await call(sb, 'POST', 'products', { body: { name: 'x' } });
    expect(write.status).toBe(401);
    expect(write.body.message).toBe('The API key provided does not have write permissions.');
  });
});
