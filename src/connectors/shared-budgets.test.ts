// What each platform's budget looks like when shared between processes (DESIGN.md 5.4), and which
// connections share one: the same credential, whatever the connection or tenant.
import { describe, expect, it } from 'vitest';
import type { RateLimitModel, SharedBuckets } from '../core/rate-limit.js';
import { credentialKey } from './credential-key.js';
import { emagConnector } from './emag/index.js';
import { printfulConnector } from './printful/index.js';
import { shopifyConnector } from './shopify/index.js';

const sharedOf = (model: RateLimitModel): SharedBuckets => {
  const shared = model.sharedBuckets?.();
  if (!shared) throw new Error('the model has no shared buckets');
  return shared;
};

describe('shared buckets of the platform models', () => {
  it('Shopify GraphQL: the cost bucket, requested cost taken up front, refund and throttleStatus on observation', () => {
    const shared = sharedOf(shopifyConnector.rateLimit(shopifyConnector.config.parse({ shopDomain: 'a.myshopify.com', accessToken: 't' })));
    expect(shared.buckets).toEqual([{ name: 'cost', capacity: 2000, ratePerSec: 100 }]);
    expect(shared.take({ cost: 952 })).toEqual([{ bucket: 'cost', need: 952, cost: 952 }]);
    // Above the single-query cap the request only waits for what the platform would ever hold for it.
    expect(shared.take({ cost: 1500 })).toEqual([{ bucket: 'cost', need: 1000, cost: 1500 }]);
    expect(shared.adjust(0, { requestedCost: 101, actualCost: 46, available: 954, capacity: 1000, restoreRate: 50 })).toEqual([
      { bucket: 'cost', refund: 55, atMost: 954, capacity: 1000, ratePerSec: 50 },
    ]);
    // A throttled query ran nothing: all of it comes back, and the reported level is the truth.
    expect(shared.adjust(0, { requestedCost: 70, actualCost: 0, available: 66 })).toEqual([{ bucket: 'cost', refund: 70, atMost: 66 }]);
    expect(shared.adjust(0, {})).toEqual([]);
    expect(shared.paused()).toEqual(['cost']);
    // The pause leaves the level alone: the bucket keeps restoring, as the in-process model says.
    expect(shared.buckets[0]!.levelAfterPause).toBeUndefined();
  });

  it('Shopify REST: the room below the leaky bucket, sized and lowered by X-Shopify-Shop-Api-Call-Limit', () => {
    const shared = sharedOf(shopifyConnector.rateLimit(shopifyConnector.config.parse({ shopDomain: 'a.myshopify.com', accessToken: 't', mode: 'rest' })));
    expect(shared.buckets).toEqual([{ name: 'leaky', capacity: 39, ratePerSec: 2, levelAfterPause: 1 }]);
    expect(shared.take({})).toEqual([{ bucket: 'leaky', need: 1, cost: 1 }]);
    expect(shared.adjust(0, { used: 32, limit: 40 })).toEqual([{ bucket: 'leaky', capacity: 39, atMost: 7 }]);
    expect(shared.adjust(0, { used: 2, limit: 80 })).toEqual([{ bucket: 'leaky', capacity: 79, atMost: 77 }]);
  });

  it('eMAG: orders and every other route are separate buckets, each lowered by its own remaining count', () => {
    const cfg = emagConnector.config.parse({ account: 'main', username: 'u', password: 'p' });
    const shared = sharedOf(emagConnector.rateLimit(cfg));
    expect(shared.buckets).toEqual([
      { name: 'orders/token', capacity: 6, ratePerSec: 12, levelAfterPause: 1 },
      { name: 'other/token', capacity: 1, ratePerSec: 3, levelAfterPause: 1 },
    ]);
    expect(shared.take({ route: 'orders' })).toEqual([{ bucket: 'orders/token', need: 1, cost: 1 }]);
    expect(shared.take({ route: 'other' })).toEqual([{ bucket: 'other/token', need: 1, cost: 1 }]);
    expect(shared.adjust(0, { route: 'orders', remaining: 4 })).toEqual([{ bucket: 'orders/token', atMost: 4 }]);
    expect(shared.paused('orders')).toEqual(['orders/token']);
    expect(shared.paused()).toEqual(['orders/token', 'other/token']);
  });

  it('Printful: one fixed window of 120 per 60 s, re-aligned by the reported reset and spent by a pause', () => {
    const shared = sharedOf(printfulConnector.rateLimit(printfulConnector.config.parse({ token: 't' })));
    expect(shared.buckets).toEqual([{ name: 'window', capacity: 120, ratePerSec: 2, windowMs: 60_000, levelAfterPause: 0 }]);
    expect(shared.adjust(10_000, { limit: 120, remaining: 30, resetAt: 40_000 })).toEqual([
      { bucket: 'window', capacity: 120, atMost: 30, windowEndsInMs: 30_000, windowToleranceMs: 1000 },
    ]);
    // A window that has already ended says nothing about the current one.
    expect(shared.adjust(50_000, { remaining: 0, resetAt: 40_000 })).toEqual([]);
  });
});

describe('credential keys', () => {
  const shopify = (settings: Record<string, unknown>) => credentialKey(shopifyConnector, shopifyConnector.config.parse({ accessToken: 'shpat_a', ...settings }));
  const emag = (settings: Record<string, unknown>) => credentialKey(emagConnector, emagConnector.config.parse({ account: 'main', username: 'seller', password: 'p', ...settings }));

  it('are the same for every connection of one shop, whatever its other settings or token', () => {
    const key = shopify({ shopDomain: 'a.myshopify.com' });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(shopify({ shopDomain: 'A.myshopify.com', apiVersion: '2025-01', accessToken: 'shpat_b' })).toBe(key);
    expect(shopify({ shopDomain: 'b.myshopify.com' })).not.toBe(key);
    // A sandbox or staging host is another budget.
    expect(shopify({ shopDomain: 'a.myshopify.com', baseUrl: 'http://127.0.0.1:9000' })).not.toBe(key);
  });

  it('are per seller login and country platform on eMAG', () => {
    const key = emag({});
    expect(emag({ autoAcknowledge: true, password: 'rotated' })).toBe(key);
    expect(emag({ username: 'fbe-login', account: 'fbe' })).not.toBe(key);
    expect(emag({ country: 'bg' })).not.toBe(key);
  });

  it('are per token on Printful, and never contain it', () => {
    const key = (token: string, storeId?: number) => credentialKey(printfulConnector, printfulConnector.config.parse({ token, storeId }));
    expect(key('tok-1', 1)).toBe(key('tok-1', 2));
    expect(key('tok-1')).not.toBe(key('tok-2'));
    expect(key('tok-1')).not.toContain('tok-1');
  });

  it('fall back to what authenticates the requests on other platforms', () => {
    const connector = { platform: 'woocommerce' as const, baseUrl: (c: unknown) => (c as { url: string }).url, defaultHeaders: (c: unknown) => ({ authorization: (c as { auth: string }).auth }) };
    const key = credentialKey(connector, { url: 'https://shop.example', auth: 'Basic x', other: 1 });
    expect(credentialKey(connector, { url: 'https://shop.example', auth: 'Basic x', other: 2 })).toBe(key);
    expect(credentialKey(connector, { url: 'https://shop.example', auth: 'Basic y' })).not.toBe(key);
  });
});
