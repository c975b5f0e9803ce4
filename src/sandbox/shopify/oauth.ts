// OAuth authorization-code install: /admin/oauth/authorize redirects (the merchant approves at once) to
// the app's redirect_uri with code, hmac, host, shop, state and timestamp; /admin/oauth/access_token
// trades a one-time code for an offline token, which the Admin API then accepts with the granted scopes.
// hmac = hex HMAC-SHA256, keyed with the client secret, of the other parameters sorted by name and
// joined as a query string (the scheme Shopify's own libraries verify).
import { createHmac, randomBytes } from 'node:crypto';
import { stringify, parse as parseQuery } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import type { SandboxRuntime } from './runtime.js';

const CODE_TTL_MS = 10 * 60_000;

export function oauthHmac(params: Record<string, string>, secret: string): string {
  const sorted = Object.keys(params).filter((k) => k !== 'hmac' && k !== 'signature').sort();
  const message = stringify(Object.fromEntries(sorted.map((k) => [k, params[k] ?? ''])));
  return createHmac('sha256', secret).update(message).digest('hex');
}

interface Grant {
  scopes: string[];
  clientId: string;
  issuedAt: number;
}

export function registerOAuthRoutes(app: FastifyInstance, runtime: SandboxRuntime): void {
  const grants = new Map<string, Grant>();
  const { options } = runtime;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseQuery(String(body)));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/admin/oauth/authorize', async (request, reply) => {
    const q = request.query;
    const log = (status: number) => runtime.log.add({
      at: new Date().toISOString(), method: 'GET', path: request.url, api: 'oauth', operationName: 'authorize',
      requestedCost: null, actualCost: null, throttled: false, status, fault: null,
    });
    if (q.client_id !== options.apiKey) {
      log(400);
      return reply.code(400).type('text/plain').send('Oauth error invalid_request: The client_id provided is invalid');
    }
    let redirect: URL;
    try {
      redirect = new URL(q.redirect_uri ?? '');
    } catch {
      log(400);
      return reply.code(400).type('text/plain').send('Oauth error invalid_request: The redirect_uri is missing or not whitelisted');
    }
    const code = randomBytes(16).toString('hex');
    grants.set(code, {
      scopes: (q.scope ?? '').split(',').map((s) => s.trim()).filter(Boolean), clientId: options.apiKey, issuedAt: Date.now(),
    });
    const shopName = options.shop.replace(/\.myshopify\.com$/, '');
    const params: Record<string, string> = {
      code, host: Buffer.from(`admin.shopify.com/store/${shopName}`).toString('base64'), shop: options.shop,
      state: q.state ?? '', timestamp: String(Math.floor(Date.now() / 1000)),
    };
    params.hmac = oauthHmac(params, options.apiSecret);
    for (const [key, value] of Object.entries(params)) redirect.searchParams.set(key, value);
    log(302);
    return reply.redirect(redirect.toString(), 302);
  });

  app.post('/admin/oauth/access_token', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const grant = typeof body.code === 'string' ? grants.get(body.code) : undefined;
    const log = (status: number) => runtime.log.add({
      at: new Date().toISOString(), method: 'POST', path: request.url, api: 'oauth', operationName: 'access_token',
      requestedCost: null, actualCost: null, throttled: false, status, fault: null,
    });
    if (body.client_id !== options.apiKey || body.client_secret !== options.apiSecret) {
      log(400);
      return reply.code(400).send({ error: 'invalid_client', error_description: 'Client credentials are invalid' });
    }
    if (!grant || Date.now() - grant.issuedAt > CODE_TTL_MS) {
      log(400);
      return reply.code(400).send({ error: 'invalid_request', error_description: 'The authorization code was not found or was already used' });
    }
    // Codes are single-use.
    grants.delete(body.code as string);
    const token = `shpua_${randomBytes(16).toString('hex')}`;
    runtime.tokens.set(token, new Set(grant.scopes));
    log(200);
    return reply.code(200).send({ access_token: token, scope: grant.scopes.join(',') });
  });
}
