// Writes: productSet list replacement, variant bulk mutations, inventory activate / compare-and-set /
// idempotency, webhook subscriptions (platforms/shopify.md section 5).
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { gql } from './helpers.js';

let sb: ShopifySandbox;
afterEach(async () => sb?.close());

const PRODUCT_SET = `mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, synchronous: true, identifier: $identifier) {
    product { id title tags variants(first: 10) { nodes { id sku price compareAtPrice inventoryItem { id } } } }
    userErrors { field message code }
  }
}`;

describe('productSet', () => {
  it('creates a product, then replaces its variant list: listed ids update, new entries create, omitted ones go', async () => {
    sb = await startShopifySandbox();
    sb.seed({ locations: 1 });
    const created = await gql(sb, PRODUCT_SET, { input: {
      title: 'Hoodie', tags: ['b', 'a', 'a'],
      productOptions: [{ name: 'Size', values: [{ name: 'S' }, { name: 'M' }] }],
      variants: [
        { optionValues: [{ optionName: 'Size', name: 'S' }], sku: 'H-S', price: '30.00' },
        { optionValues: [{ optionName: 'Size', name: 'M' }], inventoryItem: { sku: 'H-M' }, price: 31 },
      ],
    } });
    const product = created.body.data?.productSet.product;
    expect(created.body.data?.productSet.userErrors).toEqual([]);
    expect(product.tags).toEqual(['a', 'b']);
    expect(product.variants.nodes.map((v: { sku: string; price: string }) => [v.sku, v.price])).toEqual([['H-S', '30.00'], ['H-M', '31.00']]);
    const [small, medium] = product.variants.nodes as { id: string }[];

    const replaced = await gql(sb, PRODUCT_SET, { identifier: { id: product.id }, input: {
      variants: [
        { id: medium?.id, price: '35.00', optionValues: [{ optionName: 'Size', name: 'M' }] },
        { sku: 'H-L', price: '36.00', optionValues: [{ optionName: 'Size', name: 'L' }] },
      ],
    } });
    const after = replaced.body.data?.productSet.product;
    expect(after.title).toBe('Hoodie'); // scalars change only when sent
    expect(after.variants.nodes.map((v: { id: string; sku: string; price: string }) => [v.sku, v.price])).toEqual([['H-M', '35.00'], ['H-L', '36.00']]);
    expect(after.variants.nodes[0].id).toBe(medium?.id);
    expect(sb.store.variants.has(Number(small?.id.split('/').pop()))).toBe(false);
  });

  it('answers problems as userErrors with codes', async () => {
    sb = await startShopifySandbox();
    const missing = await gql(sb, PRODUCT_SET, { identifier: { id: 'gid://shopify/Product/1' }, input: { title: 'x' } });
    expect(missing.body.data?.productSet.userErrors).toEqual([{ field: ['identifier', 'id'], message: 'Product does not exist', code: 'PRODUCT_DOES_NOT_EXIST' }]);
    const negative = await gql(sb, PRODUCT_SET, { input: { title: 'x', variants: [{ price: '-1', optionValues: [{ optionName: 'Title', name: 'Default Title' }] }] } });
    expect(negative.body.data?.productSet.userErrors[0]).toMatchObject({ field: ['input', 'variants', '0', 'price'], code: 'GREATER_THAN_OR_EQUAL_TO' });
  });
});

describe('productVariantsBulkUpdate', () => {
  it('updates variants, bumps updatedAt and rejects foreign variant ids atomically', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 2, variantsPerProduct: 2 });
    const [p1, p2] = sb.products();
    const mutation = `mutation U($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $productId, variants: $variants) {
        productVariants { id price barcode } userErrors { field message code }
      }
    }`;
    const ok = await gql(sb, mutation, { productId: p1?.gid, variants: [{ id: p1?.variants[0]?.gid, price: '9.99', barcode: '123' }] });
    expect(ok.body.data?.productVariantsBulkUpdate.productVariants).toEqual([{ id: p1?.variants[0]?.gid, price: '9.99', barcode: '123' }]);
    expect(Date.parse(sb.products()[0]?.updatedAt ?? '')).toBeGreaterThan(Date.parse(p1?.updatedAt ?? ''));
    const bad = await gql(sb, mutation, { productId: p1?.gid, variants: [
      { id: p1?.variants[1]?.gid, price: '1.00' }, { id: p2?.variants[0]?.gid, price: '1.00' },
    ] });
    expect(bad.body.data?.productVariantsBulkUpdate.userErrors).toEqual([
      { field: ['variants', '1', 'id'], message: 'Product variant does not exist', code: 'PRODUCT_VARIANT_DOES_NOT_EXIST' },
    ]);
    expect(sb.products()[0]?.variants[1]?.price).toBe(p1?.variants[1]?.price);
  });

  it('rejects input arrays over 250 items', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1 });
    const product = sb.products()[0];
    const variants = Array.from({ length: 251 }, () => ({ id: product?.variants[0]?.gid, price: '1.00' }));
    const result = await gql(sb, `mutation U($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p, variants: $v) { userErrors { message } } }`,
      { p: product?.gid, v: variants });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('MAX_INPUT_SIZE_EXCEEDED');
  });
});

describe('inventory', () => {
  const SET = `mutation S($input: InventorySetQuantitiesInput!, $key: String!) {
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
      userErrors { field message code }
    }
  }`;

  it('needs inventoryActivate before a quantity can be set at a new location', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1, locations: 2 });
    const variant = sb.products()[0]?.variants[0];
    const second = sb.store.sorted('locations', 'ID')[1]?.id;
    sb.store.inventoryItems.get(variant?.inventoryItemId ?? 0)?.levels.delete(second ?? 0);
    const input = (changeFromQuantity: number | null) => ({
      name: 'available', reason: 'correction', referenceDocumentUri: 'gid://commerce-sync/Push/1',
      quantities: [{ inventoryItemId: `gid://shopify/InventoryItem/${variant?.inventoryItemId}`, locationId: `gid://shopify/Location/${second}`, quantity: 7, changeFromQuantity }],
    });
    const notStocked = await gql(sb, SET, { input: input(null), key: 'k1' }, { version: '2026-01' });
    expect(notStocked.body.data?.inventorySetQuantities.userErrors[0]?.code).toBe('ITEM_NOT_STOCKED_AT_LOCATION');
    const activate = await gql(sb, `mutation { inventoryActivate(inventoryItemId: "gid://shopify/InventoryItem/${variant?.inventoryItemId}", locationId: "gid://shopify/Location/${second}") { inventoryLevel { id quantities(names: ["available"]) { quantity } } userErrors { message } } }`);
    expect(activate.body.data?.inventoryActivate.inventoryLevel.id).toMatch(/^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/);
    const set = await gql(sb, SET, { input: input(0), key: 'k2' }, { version: '2026-01' });
    expect(set.body.data?.inventorySetQuantities).toEqual({
      inventoryAdjustmentGroup: { reason: 'correction', changes: [
        { name: 'available', delta: 7, quantityAfterChange: 7 }, { name: 'on_hand', delta: 7, quantityAfterChange: 7 },
      ] },
      userErrors: [],
    });
  });

  it('compare-and-set: a stale changeFromQuantity changes nothing', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1 });
    const variant = sb.products()[0]?.variants[0];
    const current = variant?.inventory[0]?.available ?? 0;
    const quantities = (from: number) => [{ inventoryItemId: `gid://shopify/InventoryItem/${variant?.inventoryItemId}`, locationId: `gid://shopify/Location/${variant?.inventory[0]?.locationId}`, quantity: 50, changeFromQuantity: from }];
    const stale = await gql(sb, SET, { input: { name: 'available', reason: 'correction', quantities: quantities(current + 1) }, key: 'a' }, { version: '2026-01' });
    expect(stale.body.data?.inventorySetQuantities.userErrors[0]?.code).toBe('CHANGE_FROM_QUANTITY_STALE');
    expect(sb.products()[0]?.variants[0]?.inventory[0]?.available).toBe(current);
    const fresh = await gql(sb, SET, { input: { name: 'available', reason: 'correction', quantities: quantities(current) }, key: 'b' }, { version: '2026-01' });
    expect(fresh.body.data?.inventorySetQuantities.userErrors).toEqual([]);
    expect(sb.products()[0]?.variants[0]?.inventory[0]?.available).toBe(50);
  });

  it('@idempotent replays the first result for the same key and rejects different parameters', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1 });
    const variant = sb.products()[0]?.variants[0];
    const input = (quantity: number) => ({ name: 'available', reason: 'correction', quantities: [{
      inventoryItemId: `gid://shopify/InventoryItem/${variant?.inventoryItemId}`, locationId: `gid://shopify/Location/${variant?.inventory[0]?.locationId}`,
      quantity, changeFromQuantity: null,
    }] });
    const first = await gql(sb, SET, { input: input(10), key: 'same' }, { version: '2026-01' });
    sb.setInventory({ inventoryItemId: variant?.inventoryItemId ?? 0, available: 3 });
    const replay = await gql(sb, SET, { input: input(10), key: 'same' }, { version: '2026-01' });
    expect(replay.body.data).toEqual(first.body.data);
    expect(sb.products()[0]?.variants[0]?.inventory[0]?.available).toBe(3); // the replay wrote nothing
    const mismatch = await gql(sb, SET, { input: input(11), key: 'same' }, { version: '2026-01' });
    expect(mismatch.body.data?.inventorySetQuantities.userErrors[0]?.code).toBe('IDEMPOTENCY_KEY_PARAMETER_MISMATCH');
  });

  it('follows the version table: compareQuantity before 2026-01, @idempotent required from 2026-04', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1 });
    const variant = sb.products()[0]?.variants[0];
    const q = { inventoryItemId: `gid://shopify/InventoryItem/${variant?.inventoryItemId}`, locationId: `gid://shopify/Location/${variant?.inventory[0]?.locationId}`, quantity: 5 };
    const OLD = `mutation S($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }`;
    const required = await gql(sb, OLD, { input: { name: 'available', reason: 'correction', quantities: [q] } });
    expect(required.body.data?.inventorySetQuantities.userErrors[0]?.code).toBe('COMPARE_QUANTITY_REQUIRED');
    const unknownDirective = await gql(sb, SET, { input: { name: 'available', reason: 'correction', quantities: [q] }, key: 'x' }, { version: '2025-01' });
    expect(unknownDirective.body.errors?.[0]?.message).toMatch(/idempotent/);
    const noKey = await gql(sb, OLD, { input: { name: 'available', reason: 'correction', quantities: [{ ...q, changeFromQuantity: null }] } }, { version: '2026-04' });
    expect(noKey.body.errors?.[0]?.message).toMatch(/@idempotent directive is required/);
  });
});

describe('webhook subscriptions', () => {
  it('creates, lists and deletes subscriptions', async () => {
    sb = await startShopifySandbox();
    const create = await gql(sb, `mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: { callbackUrl: "https://example.com/hooks", format: JSON }) {
      webhookSubscription { id topic format endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } } userErrors { field message } } }`);
    const subscription = create.body.data?.webhookSubscriptionCreate.webhookSubscription;
    expect(subscription).toMatchObject({ topic: 'PRODUCTS_UPDATE', format: 'JSON', endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: 'https://example.com/hooks' } });
    // `uri` (2025-10+) names the same address: still a duplicate.
    const duplicate = await gql(sb, `mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: { uri: "https://example.com/hooks" }) { userErrors { message } } }`, {}, { version: '2025-10' });
    expect(duplicate.body.data?.webhookSubscriptionCreate.userErrors[0]?.message).toBe('Address for this topic has already been taken');
    const list = await gql(sb, '{ webhookSubscriptions(first: 10) { nodes { id } } }');
    expect(list.body.data?.webhookSubscriptions.nodes).toEqual([{ id: subscription.id }]);
    const del = await gql(sb, `mutation { webhookSubscriptionDelete(id: "${subscription.id}") { deletedWebhookSubscriptionId userErrors { message } } }`);
    expect(del.body.data?.webhookSubscriptionDelete.deletedWebhookSubscriptionId).toBe(subscription.id);
    expect(sb.webhookSubscriptions()).toEqual([]);
  });
});
