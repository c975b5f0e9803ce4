// Shopify app install: POST /api/v1/shopify/install gives the merchant's install link; Shopify
// redirects to GET /oauth/shopify/callback, where the hmac and our state are checked, the code is
// exchanged for an offline token (stored encrypted), the connection is created (or its token
// renewed on reinstall), and the initial sync starts.
//
// The exchange sends the app's secret, so the shop must be a myshopify.com domain, and a base URL
// override (a sandbox) must be on the operator's allow-list, both when the link is issued and when the
// callback arrives. The state names the tenant that asked for the install and is accepted once.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_API_VERSION } from '../../connectors/shopify/config.js';
import { PUBLIC_ONLY } from '../../connectors/outbound.js';
import { assertExchangeHost, DEFAULT_SCOPES, exchangeCode, installUrl, SHOP_DOMAIN, verifyCallback } from '../../connectors/shopify/oauth.js';
import { SyncError } from '../../core/errors.js';
import type { SecretBox } from '../../core/secret-box.js';
import type { Engine } from '../../engine/engine.js';
import { type ConnectionView, findConnectionByName, insertConnection, updateConnection } from '../../store/connections.js';
import type { AuthBrake } from '../auth.js';
import { errorResponses } from '../schemas.js';

export interface ShopifyAppConfig {
  apiKey: string;
  apiSecret: string;
  publicUrl: string;
  scopes?: string[];
}

const STATE_AAD = 'oauth:shopify:state';
const STATE_TTL_MS = 10 * 60_000;

interface State {
  tenantId: string;
  shop: string;
  name: string;
  baseUrl?: string;
  exp: number;
  /** Makes each state unique, so that it can be accepted once. */
  nonce: string;
}

/**
 * States already accepted, until they expire. Kept in this process: with several servers behind one
 * address a replay could reach another one, where Shopify's single-use code still stops it.
 */
const usedStates = new Map<string, number>();

/** A reinstall renews the Shopify connection of the same shop; any other connection of that name stays as it is. */
function assertReinstallable(existing: ConnectionView | null, state: State): void {
  if (existing && (existing.platform !== 'shopify' || existing.settings.shopDomain !== state.shop)) {
    throw new SyncError('conflict', `the connection "${state.name}" is not the Shopify connection of ${state.shop}; install under another name`);
  }
}

function acceptOnce(state: State): void {
  const now = Date.now();
  for (const [nonce, exp] of usedStates) if (exp < now) usedStates.delete(nonce);
  if (usedStates.has(state.nonce)) throw new SyncError('validation_failed', 'this install link was already used; start the install again');
  usedStates.set(state.nonce, state.exp);
}

export function shopifyOAuthRoutes(
  app: FastifyInstance,
  deps: { engine: Engine; box: SecretBox; shopifyApp?: ShopifyAppConfig; signatureBrake?: AuthBrake },
  scope: 'api' | 'public',
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const outbound = deps.engine.deps.outbound ?? PUBLIC_ONLY;
  const appConfig = () => {
    if (!deps.shopifyApp) throw new SyncError('not_configured', 'Shopify installs need SHOPIFY_API_KEY, SHOPIFY_API_SECRET and COMMERCE_SYNC_PUBLIC_URL');
    return deps.shopifyApp;
  };

  if (scope === 'api') {
    r.post(
      '/shopify/install',
      {
        schema: {
          tags: ['shopify'],
          summary: 'Start a Shopify app install: returns the link to send the merchant to',
          body: z.strictObject({
            shop: z.string().toLowerCase().regex(SHOP_DOMAIN, 'must be the shop\'s "<name>.myshopify.com" domain'),
            name: z.string().trim().min(1).max(100).optional().describe('connection name (default: the shop domain)'),
            baseUrl: z.url({ protocol: /^https?$/ }).optional().describe('shop admin base URL override (sandbox/staging)'),
          }),
          response: { 200: z.object({ installUrl: z.string(), expiresAt: z.string() }), ...errorResponses },
        },
      },
      async (request) => {
        const cfg = appConfig();
        assertExchangeHost({ shop: request.body.shop, baseUrl: request.body.baseUrl, outbound });
        const exp = Date.now() + STATE_TTL_MS;
        const state: State = {
          tenantId: request.tenantId,
          shop: request.body.shop,
          name: request.body.name ?? request.body.shop,
          exp,
          nonce: randomUUID(),
          ...(request.body.baseUrl ? { baseUrl: request.body.baseUrl } : {}),
        };
        // The state is encrypted and authenticated under the master key: tamper-proof, nothing stored
        // until it comes back.
        const sealed = deps.box.encryptJson(state, STATE_AAD);
        return {
          installUrl: installUrl({ shop: state.shop, baseUrl: state.baseUrl, apiKey: cfg.apiKey, scopes: cfg.scopes ?? DEFAULT_SCOPES, redirectUri: `${cfg.publicUrl.replace(/\/+$/, '')}/oauth/shopify/callback`, state: sealed }),
          expiresAt: new Date(exp).toISOString(),
        };
      },
    );
    return;
  }

  r.get(
    '/oauth/shopify/callback',
    { schema: { hide: true, querystring: z.object({ code: z.string().min(1), shop: z.string().min(1), state: z.string().min(1), hmac: z.string().min(1), timestamp: z.string().optional() }).passthrough() } },
    async (request) => {
      const cfg = appConfig();
      const query = request.query as Record<string, string | undefined>;
      if (!verifyCallback(query, cfg.apiSecret)) {
        const err = new SyncError('webhook_signature_invalid', 'the install callback is not signed by Shopify');
        throw deps.signatureBrake ? await deps.signatureBrake.failed(request, err) : err;
      }
      let state: State;
      try {
        state = deps.box.decryptJson<State>(query.state!, STATE_AAD);
      } catch {
        throw new SyncError('validation_failed', 'the install state is not one this server issued');
      }
      if (typeof state.nonce !== 'string') throw new SyncError('validation_failed', 'the install state is not one this server issued');
      if (state.exp < Date.now()) throw new SyncError('validation_failed', 'the install link expired; start the install again');
      if (state.shop !== query.shop) throw new SyncError('validation_failed', 'the callback is for another shop than the install was started for');
      // The allow-list may have changed since the link was issued.
      assertExchangeHost({ shop: state.shop, baseUrl: state.baseUrl, outbound });
      acceptOnce(state);
      const db = deps.engine.db;
      // Checked before the code is spent; checked again below, where the connection is written.
      assertReinstallable(await db.withTenant(state.tenantId, (tx) => findConnectionByName(tx, state.tenantId, state.name)), state);
      const token = await exchangeCode({ shop: state.shop, baseUrl: state.baseUrl, apiKey: cfg.apiKey, apiSecret: cfg.apiSecret, code: query.code!, outbound });
      const credentials = { accessToken: token.accessToken, apiSecret: cfg.apiSecret };
      const connection = await db.withTenant(state.tenantId, async (tx) => {
        const existing = await findConnectionByName(tx, state.tenantId, state.name);
        assertReinstallable(existing, state);
        if (existing) {
          // A reinstall: fresh token, back to active.
          return (await updateConnection(tx, deps.box, state.tenantId, existing.id, { credentials, status: 'active', statusReason: null }))!;
        }
        return insertConnection(tx, deps.box, {
          tenantId: state.tenantId,
          platform: 'shopify',
          name: state.name,
          settings: { shopDomain: state.shop, apiVersion: DEFAULT_API_VERSION, mode: 'graphql', ...(state.baseUrl ? { baseUrl: state.baseUrl } : {}) },
          credentials,
        });
      });
      // Deliveries to this connection's receiver; without them the connection still syncs by its pulls.
      let webhooks: { created: number; existing: number } | { error: string } | null;
      try {
        webhooks = await deps.engine.registerWebhooks(state.tenantId, connection.id, `${cfg.publicUrl.replace(/\/+$/, '')}/webhooks/shopify/${connection.id}`);
      } catch (err) {
        request.log.warn({ err, connectionId: connection.id }, 'webhook subscriptions could not be registered');
        webhooks = { error: (err as Error).message };
      }
      const runs = await deps.engine.trigger({ tenantId: state.tenantId, connectionId: connection.id, mode: 'full', trigger: 'api', force: true });
      return { connectionId: connection.id, shop: state.shop, scope: token.scope, webhooks, initialSync: runs.created.map((r) => ({ runId: r.id, stream: r.stream })) };
    },
  );
}
