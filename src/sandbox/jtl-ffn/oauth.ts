// The OAuth 2 server on the sandbox's listener under /oauth (section 1): authorization-code grant only.
// /authorize approves at once (the user is "logged in") and redirects with code and state; /token needs
// Basic client auth, refuses client_credentials, trades codes, and rotates single-use refresh tokens.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noteClient } from './guard.js';
import { DEFAULT_SCOPES, type GrantResult } from './oauth-tokens.js';
import type { FfnRuntime } from './runtime.js';

type Form = Record<string, string | undefined>;

const oauthError = (reply: FastifyReply, status: number, error: string, description?: string) =>
  reply.code(status).send(description === undefined ? { error } : { error, error_description: description });

/** The client of `Authorization: Basic base64(id:secret)`, or null when missing or wrong. */
function basicClient(runtime: FfnRuntime, request: FastifyRequest): string | null {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const [id, secret] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
  const client = runtime.tokens.client(id);
  return client && client.clientSecret === secret ? id : null;
}

export function registerOAuthRoutes(app: FastifyInstance, runtime: FfnRuntime): void {
  app.get<{ Querystring: Form }>('/oauth/authorize', async (request, reply) => {
    const q = request.query;
    if (!q.client_id || !runtime.tokens.client(q.client_id)) return oauthError(reply, 400, 'invalid_client', 'unknown client_id');
    let redirect: URL;
    try {
      redirect = new URL(q.redirect_uri ?? '');
    } catch {
      return oauthError(reply, 400, 'invalid_request', 'redirect_uri is missing or invalid');
    }
    if (q.response_type !== 'code') {
      redirect.searchParams.set('error', 'unsupported_response_type');
    } else {
      const scopes = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
      redirect.searchParams.set('code', runtime.tokens.issueCode(q.client_id, scopes.length > 0 ? scopes : DEFAULT_SCOPES, q.redirect_uri ?? ''));
    }
    if (q.state !== undefined) redirect.searchParams.set('state', q.state);
    return reply.redirect(redirect.toString(), 302);
  });

  app.post('/oauth/token', async (request, reply) => {
    const clientId = basicClient(runtime, request);
    if (!clientId) {
      reply.header('WWW-Authenticate', 'Basic realm="oauth"');
      return oauthError(reply, 401, 'invalid_client');
    }
    noteClient(request, clientId);
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Form;
    const answer = (result: GrantResult, failStatus: number) =>
      result.ok ? reply.code(200).header('Cache-Control', 'no-store').send(result.answer) : oauthError(reply, failStatus, result.error, result.description);
    switch (form.grant_type) {
      case 'client_credentials':
        runtime.tokens.refusedClientCredentials();
        return oauthError(reply, 401, 'unauthorized_client', 'client_credentials is not supported');
      case 'authorization_code':
        if (!form.code || !form.redirect_uri) return oauthError(reply, 400, 'invalid_request', 'code and redirect_uri are required');
        // RFC 6749 answers a bad code with 400 invalid_grant; the sheet only describes refresh failures as 401.
        return answer(runtime.tokens.exchangeCode(clientId, form.code, form.redirect_uri), 400);
      case 'refresh_token': {
        if (!form.refresh_token) return oauthError(reply, 400, 'invalid_request', 'refresh_token is required');
        // Spent before the wait: a concurrent second refresh with the same token loses during the delay.
        const result = runtime.tokens.refresh(clientId, form.refresh_token);
        const delay = runtime.options.refreshDelayMs;
        if (delay > 0) await new Promise<void>((resolve) => runtime.clock.afterReal(delay, resolve));
        return answer(result, 401);
      }
      default:
        return oauthError(reply, 400, 'unsupported_grant_type');
    }
  });
}
