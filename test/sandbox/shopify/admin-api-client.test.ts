// The official @shopify/admin-api-client speaks to the sandbox: proof that paths, headers and response
// shapes are what Shopify's own client expects.
import { createAdminApiClient } from '@shopify/admin-api-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

function client(accessToken = 'shpat_sandbox') {
  return createAdminApiClient({
    storeDomain: 'sandbox-shop.myshopify.com',
    apiVersion: '2026-01',
    accessToken,
    // The client always builds https://{storeDomain}/...: point it at the sandbox's plain-http port.
    customFetchApi: (url, init) => {
      const { pathname, search } = new URL(String(url));
      return fetch(`${sb.url}${pathname}${search}`, init);
    },
  });
}

describe('official admin API client', () => {
  it('queries products and reads extensions.cost', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 3, variantsPerProduct: 2 });
    const { data, errors, extensions } = await client().request(`query Products($first: Int!) {
      products(first: $first) { nodes { id title variants(first: 5) { nodes { sku price } } } pageInfo { hasNextPage } }
    }`, { variables: { first: 2 } });
    expect(errors).toBeUndefined();
    expect(data.products.nodes).toHaveLength(2);
    expect(data.products.nodes[0].variants.nodes[0]).toEqual({ sku: 'SKU-00001-1', price: expect.stringMatching(/^\d+\.\d{2}$/) });
    expect(data.products.pageInfo.hasNextPage).toBe(true);
    expect(extensions?.cost).toEqual({
      requestedQueryCost: 2 + 2 * (1 + 2 + 5), actualQueryCost: 2 + 2 * (1 + 2 + 2),
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: expect.any(Number), restoreRate: 100 },
    });
    expect(sb.requests().at(-1)).toMatchObject({ api: 'graphql', operationName: 'Products', status: 200 });
  });

  it('surfaces a THROTTLED reply as graphQLErrors inside HTTP 200', async () => {
    sb = await startShopifySandbox({ bucket: { maximumAvailable: 5, restoreRate: 0.001 } });
    const { errors } = await client().request('{ products(first: 10) { nodes { id } } }');
    expect(errors?.networkStatusCode).toBe(200);
    expect(errors?.graphQLErrors?.[0]).toMatchObject({ message: 'Throttled', extensions: { code: 'THROTTLED' } });
  });

  it('reports a bad token as a 401 network error', async () => {
    sb = await startShopifySandbox();
    const { errors } = await client('shpat_wrong').request('{ shop { name } }');
    expect(errors?.networkStatusCode).toBe(401);
  });
});
