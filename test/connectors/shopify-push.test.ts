// Shopify writes against the sandbox: create and update a product with its variants (productSet),
// set stock with an idempotency key (a replayed push applies once), and stock a new variant at a
// location it is not stocked at yet (inventoryActivate first, then the quantity).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyConfig } from '../../src/connectors/shopify/config-merged.js';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { Limiter } from '../../src/connectors/limiter.js';
import { createHttpClient } from '../../src/connectors/http.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import type { Ctx } from '../../src/connectors/types.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { type ShopifySandbox, startShopifySandbox } from '../../src/sandbox/shopify/index.js';

describe.each(['2026-07', '2025-01'])('Shopify pushes (API %s)', (apiVersion) => {
  let sb: ShopifySandbox;
  let ctx: Ctx<ShopifyConfig>;

  beforeAll(async () => {
    sb = await startShopifySandbox({ timeScale: 20 });
    sb.seed({ products: 1, orders: 0, customers: 0, locations: 2 });
    const config = shopifyConnector.config.parse({ shopDomain: 'sandbox-shop.myshopify.com', baseUrl: sb.url, apiVersion, accessToken: 'shpat_sandbox' });
    const signal = new AbortController().signal;
    ctx = {
      config,
      signal,
      runStartedAt: new Date(),
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      http: createHttpClient({
        baseUrl: shopifyConnector.baseUrl(config),
        defaultHeaders: shopifyConnector.defaultHeaders!(config),
        limiter: new Limiter(shopifyConnector.rateLimit(config)),
        signal,
        budget: new RetryBudget(),
        classify: shopifyConnector.classify,
        observeRateLimit: shopifyConnector.observeRateLimit,
        outbound: SANDBOX_OUTBOUND,
      }),
    };
  });
  afterAll(() => sb?.close());

  const product = () => sb.products().find((p) => p.title.startsWith('Hub board'));

  it('creates a product with its variants, then updates it in place', async () => {
    const created = await shopifyConnector.push!.upsertProduct!(ctx, {
      parentExternalId: null,
      title: 'Hub board',
      description: '<p>From the hub</p>',
      vendor: 'Acme',
      tags: ['hub'],
      isActive: true,
      skus: [
        { externalId: null, sku: 'HUB-S', variantName: 'Small', price: '10.00', gtin: '4006381333931' },
        { externalId: null, sku: 'HUB-L', variantName: 'Large', price: '12.00' },
      ],
    });
    expect(created.parentExternalId).toMatch(/^gid:\/\/shopify\/Product\/\d+$/);
    expect(created.skus.map((s) => s.sku)).toEqual(['HUB-S', 'HUB-L']);
    expect(created.skus.every((s) => s.platformIds.inventoryItemId?.startsWith('gid://shopify/InventoryItem/'))).toBe(true);
    let p = product()!;
    expect(p).toMatchObject({ title: 'Hub board', vendor: 'Acme', status: 'ACTIVE', tags: ['hub'] });
    expect(p.variants.map((v) => [v.sku, v.price, v.title])).toEqual([['HUB-S', '10.00', 'Small'], ['HUB-L', '12.00', 'Large']]);

    const updated = await shopifyConnector.push!.upsertProduct!(ctx, {
      parentExternalId: created.parentExternalId,
      title: 'Hub board v2',
      skus: created.skus.map((s, i) => ({ externalId: s.externalId, sku: s.sku!, variantName: i === 0 ? 'Small' : 'Large', price: i === 0 ? '11.00' : '12.00' })),
    });
    expect(updated.parentExternalId).toBe(created.parentExternalId);
    expect(updated.skus.map((s) => s.externalId)).toEqual(created.skus.map((s) => s.externalId));
    p = product()!;
    expect(p.title).toBe('Hub board v2');
    expect(p.variants.map((v) => v.price)).toEqual(['11.00', '12.00']);
  });

  it('sets stock absolutely; the same idempotency key applies once', async () => {
    const p = product()!;
    const variant = p.variants[0]!;
    const location = (sb.store.locations.values().next().value as { id: number }).id;
    const push = { productExternalId: variant.gid, locationId: `gid://shopify/Location/${location}`, available: 42, idempotencyKey: `k-${apiVersion}` };
    await shopifyConnector.push!.setStock!(ctx, push);
    const level = () => product()!.variants[0]!.inventory.find((l) => l.locationId === location)?.available;
    expect(level()).toBe(42);
    await shopifyConnector.push!.setStock!(ctx, push);
    expect(level()).toBe(42);
    await shopifyConnector.push!.setStock!(ctx, { ...push, available: 7, idempotencyKey: `k2-${apiVersion}` });
    expect(level()).toBe(7);
  });

  it('pushes stock for a new variant to a second location it is not stocked at yet', async () => {
    const created = await shopifyConnector.push!.upsertProduct!(ctx, {
      parentExternalId: null,
      title: `Hub lamp ${apiVersion}`,
      skus: [{ externalId: null, sku: `LAMP-${apiVersion}`, variantName: 'Default', price: '20.00' }],
    });
    const sku = created.skus[0]!;
    const variant = () => sb.products().find((p) => p.gid === created.parentExternalId)!.variants[0]!;
    // A new variant is stocked at the shop's first location only: the second one needs inventoryActivate.
    const stocked = new Set(variant().inventory.map((l) => l.locationId));
    const second = [...sb.store.locations.values()].find((l) => !stocked.has(l.id));
    expect(second, 'a location the new variant is not stocked at').toBeDefined();
    sb.clearRequests();

    await shopifyConnector.push!.setStock!(ctx, {
      productExternalId: sku.externalId,
      platformIds: sku.platformIds,
      locationId: `gid://shopify/Location/${second!.id}`,
      available: 13,
      idempotencyKey: `lamp-${apiVersion}`,
    });

    // The shop's truth: the variant is now stocked at the second location with the pushed quantity,
    // and its first location kept what it had.
    const levels = new Map(variant().inventory.map((l) => [l.locationId, l.available]));
    expect(levels.get(second!.id)).toBe(13);
    for (const id of stocked) expect(levels.get(id)).toBe(0);
    expect(sb.requests().map((r) => r.operationName)).toEqual(['SetStock', 'Activate', 'SetStock']);

    // A retried push (same key) applies once and still succeeds; a later push sets the level directly.
    await shopifyConnector.push!.setStock!(ctx, {
      productExternalId: sku.externalId, platformIds: sku.platformIds, locationId: `gid://shopify/Location/${second!.id}`, available: 13, idempotencyKey: `lamp-${apiVersion}`,
    });
    await shopifyConnector.push!.setStock!(ctx, {
      productExternalId: sku.externalId, platformIds: sku.platformIds, locationId: `gid://shopify/Location/${second!.id}`, available: 4, idempotencyKey: `lamp2-${apiVersion}`,
    });
    expect(variant().inventory.find((l) => l.locationId === second!.id)?.available).toBe(4);
  });
});
