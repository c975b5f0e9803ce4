// Calculated query cost, the leaky bucket, THROTTLED and MAX_COST_EXCEEDED (platforms/shopify.md section 4).
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { gql, waitFor } from './helpers.js';

// Restoring 1 point per 1000 s keeps bucket arithmetic exact within a test.
const FROZEN = { maximumAvailable: 2000, restoreRate: 0.001 };
const NESTED = `{ products(first: 10) { nodes { id variants(first: 5) { nodes { price } } } } }`;

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

describe('query cost', () => {
  it('prices objects at 1, scalars at 0 and connections at 2 + first x node cost (the published example costs 82)', async () => {
    sb = await startShopifySandbox({ bucket: FROZEN });
    sb.seed({ products: 3, variantsPerProduct: 2 });
    expect((await gql(sb, '{ shop { name myshopifyDomain } }')).body.extensions?.cost.requestedQueryCost).toBe(1);
    expect((await gql(sb, '{ products(first: 10) { nodes { id title } } }')).body.extensions?.cost.requestedQueryCost).toBe(12);
    const nested = await gql(sb, NESTED);
    // requested 2 + 10 x (1 + 2 + 5 x 1); actual counts the 3 products x 2 variants really returned
    expect(nested.body.extensions?.cost).toMatchObject({ requestedQueryCost: 82, actualQueryCost: 2 + 3 * (1 + 2 + 2) });
    const edges = await gql(sb, '{ products(first: 4) { edges { cursor node { id } } nodes { title } pageInfo { hasNextPage } } }');
    expect(edges.body.extensions?.cost).toMatchObject({ requestedQueryCost: 2 + 4, actualQueryCost: 2 + 3 });
  });

  it('charges the requested cost up front and refunds requested - actual', async () => {
    sb = await startShopifySandbox({ bucket: FROZEN });
    sb.seed({ products: 3, variantsPerProduct: 2 });
    const first = await gql(sb, NESTED);
    expect(first.body.extensions?.cost.throttleStatus).toEqual({ maximumAvailable: 2000, currentlyAvailable: 2000 - 17, restoreRate: 0.001 });
    const second = await gql(sb, NESTED);
    expect(second.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(2000 - 34);
    expect(sb.stats().graphql).toMatchObject({ requests: 2, throttled: 0, pointsRequested: 164, pointsSpent: 34, pointsRefunded: 130 });
  });

  it('charges 10 per mutation', async () => {
    sb = await startShopifySandbox({ bucket: FROZEN });
    const result = await gql(sb, 'mutation { productCreate(product: { title: "Mug" }) { product { id } userErrors { field message } } }');
    expect(result.body.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
  });

  it('answers THROTTLED with no data when the requested cost exceeds what is available', async () => {
    sb = await startShopifySandbox({ bucket: { maximumAvailable: 100, restoreRate: 0.001 } });
    sb.seed({ products: 10, variantsPerProduct: 5 });
    const ok = await gql(sb, NESTED);
    expect(ok.body.extensions?.cost).toMatchObject({ requestedQueryCost: 82, actualQueryCost: 82 });
    const throttled = await gql(sb, NESTED);
    expect(throttled.status).toBe(200);
    expect(throttled.body).toEqual({
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
      extensions: { cost: { requestedQueryCost: 82, actualQueryCost: null,
        throttleStatus: { maximumAvailable: 100, currentlyAvailable: 18, restoreRate: 0.001 } } },
    });
    expect(sb.stats().graphql.throttled).toBe(1);
    expect(sb.requests().at(-1)).toMatchObject({ api: 'graphql', throttled: true, requestedCost: 82, actualCost: null });
  });

  it('can answer THROTTLED with HTTP 429 instead', async () => {
    sb = await startShopifySandbox({ bucket: { maximumAvailable: 10, restoreRate: 0.001 }, throttleStatus: 429 });
    const result = await gql(sb, '{ products(first: 10) { nodes { id } } }');
    expect(result.status).toBe(429);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
  });

  it('rejects queries over 1000 points before execution with MAX_COST_EXCEEDED, without charging', async () => {
    sb = await startShopifySandbox({ bucket: FROZEN });
    const result = await gql(sb, '{ products(first: 250) { nodes { variants(first: 10) { nodes { id } } } } }');
    expect(result.status).toBe(200);
    expect(result.body.data).toBeUndefined();
    const error = result.body.errors?.[0];
    expect(error?.message).toMatch(/^Query cost is 3252, which exceeds the single query max cost limit \(1000\)\./);
    expect(error?.extensions).toEqual({ code: 'MAX_COST_EXCEEDED', cost: 3252, maxCost: 1000, documentation: 'https://shopify.dev/api/usage/limits#rate-limits' });
    expect(result.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(2000);
    expect(sb.stats().graphql.maxCostExceeded).toBe(1);
  });

  it('restores at restoreRate x timeScale and reports the effective rate', async () => {
    sb = await startShopifySandbox({ bucket: { maximumAvailable: 2000, restoreRate: 100 }, timeScale: 4 });
    sb.configureBucket({ currentlyAvailable: 0 });
    const query = '{ products(first: 250) { nodes { id } } }'; // 252 points: 0.63 s at 400 points/s
    const drained = await gql(sb, query);
    expect(drained.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(drained.body.extensions?.cost.throttleStatus.restoreRate).toBe(400);
    await waitFor(async () => (await gql(sb, query)).body.data, 5000, 'the bucket to restore');
    sb.setTimeScale(1);
    expect(sb.stats().bucket.restoreRate).toBe(100);
  });

  it('puts extensions.cost on validation errors too, and serialises throttle numbers as floats when asked', async () => {
    sb = await startShopifySandbox({ floatThrottleNumbers: true });
    const response = await fetch(`${sb.url}/admin/api/2025-01/graphql.json`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_sandbox' },
      body: JSON.stringify({ query: '{ products(first: 1) { nodes { nope } } }' }),
    });
    const text = await response.text();
    expect(text).toContain('"maximumAvailable":2000.0');
    expect(text).toContain('"restoreRate":100.0');
    expect(JSON.parse(text).errors[0].message).toContain('nope');
  });

  it('answers 401 with the real body for a missing or wrong token', async () => {
    sb = await startShopifySandbox();
    const body = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };
    for (const token of [null, 'shpat_wrong']) {
      const result = await gql(sb, '{ shop { name } }', {}, { token });
      expect(result.status).toBe(401);
      expect(result.body).toEqual(body);
    }
  });
});

describe('cost debug', () => {
  it('adds extensions.cost.fields when Shopify-GraphQL-Cost-Debug=1 is sent', async () => {
    sb = await startShopifySandbox();
    const response = await fetch(`${sb.url}/admin/api/2025-01/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_sandbox', 'shopify-graphql-cost-debug': '1' },
      body: JSON.stringify({ query: '{ products(first: 10) { nodes { id variants(first: 5) { nodes { price } } } } }' }),
    });
    const body = (await response.json()) as { extensions: { cost: { fields: { path: string[]; definedCost: number; requestedTotalCost: number; requestedChildrenCost: number | null }[] } } };
    const byPath = Object.fromEntries(body.extensions.cost.fields.map((f) => [f.path.join('.'), f]));
    expect(byPath.products).toEqual({ path: ['products'], definedCost: 2, requestedTotalCost: 82, requestedChildrenCost: 80 });
    expect(byPath['products.nodes.variants']).toMatchObject({ definedCost: 2, requestedTotalCost: 7 });
    expect(byPath['products.nodes.id']).toMatchObject({ definedCost: 0, requestedChildrenCost: null });
  });
});
