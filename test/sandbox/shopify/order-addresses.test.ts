// Orders' shipping address and buyer email: the control API's defaults and overrides, GraphQL's
// MailingAddress (with its cost), REST's `shipping_address`, webhook payloads and bulk JSONL.
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import type { Loose, Receiver } from './helpers.js';
import { gql, startReceiver, TOKEN, waitFor } from './helpers.js';

let sb: ShopifySandbox;
let receiver: Receiver | undefined;
afterEach(async () => {
  await sb?.close();
  await receiver?.close();
  receiver = undefined;
});

const ADDRESS = 'name firstName lastName company address1 address2 city zip province provinceCode countryCodeV2 country phone';
const ORDER = `query Order($id: ID!) { order(id: $id) { id email shippingAddress { ${ADDRESS} } } }`;

async function restOrder(id: number): Promise<Loose> {
  const response = await fetch(`${sb.url}/admin/api/2025-01/orders/${id}.json`, { headers: { 'x-shopify-access-token': TOKEN } });
  return ((await response.json()) as Loose).order;
}

describe('order shipping addresses', () => {
  it('gives a created order the customer\'s email and a plausible address, exposed through GraphQL and REST', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1, customers: 1 });
    const customer = sb.customers()[0]!;
    const variantId = sb.products()[0]!.variants[0]!.id;
    const order = sb.createOrder({ customerId: customer.id, lines: [{ variantId, quantity: 1 }] });
    expect(order.email).toBe(customer.email);

    const result = await gql(sb, ORDER, { id: order.gid });
    expect(result.body.errors).toBeUndefined();
    const node = result.body.data?.order;
    expect(node.email).toBe(customer.email);
    expect(node.shippingAddress).toMatchObject({
      firstName: customer.firstName, lastName: customer.lastName, name: `${customer.firstName} ${customer.lastName}`, phone: customer.phone,
      address1: expect.any(String), city: expect.any(String), zip: expect.any(String), countryCodeV2: expect.stringMatching(/^[A-Z]{2}$/),
      country: expect.any(String),
    });
    // The control API's view names the code as its input does (countryCode).
    const { countryCodeV2, ...fields } = node.shippingAddress;
    expect(order.shippingAddress).toEqual({ ...fields, countryCode: countryCodeV2 });
    // MailingAddress is an object: 1 point, as Shopify's cost rules price it.
    const costs = await gql(sb, `query Order($id: ID!) { order(id: $id) { id } }`, { id: order.gid });
    expect(result.body.extensions?.cost.requestedQueryCost).toBe((costs.body.extensions?.cost.requestedQueryCost ?? 0) + 1);

    const rest = await restOrder(order.id);
    expect(rest.email).toBe(customer.email);
    expect(rest.shipping_address).toMatchObject({
      first_name: customer.firstName, last_name: customer.lastName, address1: node.shippingAddress.address1, city: node.shippingAddress.city,
      zip: node.shippingAddress.zip, country_code: node.shippingAddress.countryCodeV2, country: node.shippingAddress.country,
    });
  });

  it('seeds every order with an address, takes an explicit one, and an explicit null means none', async () => {
    sb = await startShopifySandbox();
    sb.seed({ products: 1, customers: 2, orders: 10 });
    for (const seeded of sb.orders()) expect(seeded.shippingAddress?.countryCode).toMatch(/^[A-Z]{2}$/);
    const variantId = sb.products()[0]!.variants[0]!.id;

    const given = sb.createOrder({
      email: 'ann@example.com', lines: [{ variantId, quantity: 1 }],
      shippingAddress: { firstName: 'Ann', lastName: 'Lee', address1: 'Main St 1', city: 'Zürich', zip: '8001', countryCode: 'ch' },
    });
    const node = (await gql(sb, ORDER, { id: given.gid })).body.data?.order;
    expect(node).toMatchObject({
      email: 'ann@example.com',
      shippingAddress: { name: 'Ann Lee', address1: 'Main St 1', address2: null, city: 'Zürich', zip: '8001', countryCodeV2: 'CH', country: 'Switzerland', company: null },
    });

    const none = sb.createOrder({ lines: [{ variantId, quantity: 1 }], shippingAddress: null });
    expect((await gql(sb, ORDER, { id: none.gid })).body.data?.order.shippingAddress).toBeNull();
    expect((await restOrder(none.id)).shipping_address).toBeNull();

    expect(sb.editOrder(none.id, { shippingAddress: { city: 'Oslo', countryCode: 'NO' } }).shippingAddress).toMatchObject({ city: 'Oslo', countryCode: 'NO', country: 'Norway' });
    expect(sb.editOrder(none.id, { note: 'x' }).shippingAddress).toMatchObject({ city: 'Oslo' });
    expect(() => sb.createOrder({ lines: [{ variantId, quantity: 1 }], shippingAddress: { countryCode: 'Germany' } })).toThrow(/countryCode/);
  });

  it('sends the address in orders/create payloads and bulk JSONL', async () => {
    sb = await startShopifySandbox({ timeScale: 1000 });
    receiver = await startReceiver();
    sb.seed({ products: 1, customers: 1, orders: 3 });
    sb.subscribeWebhook({ topic: 'orders/create', address: receiver.url });
    const order = sb.createOrder({ customerId: sb.customers()[0]!.id, lines: [{ variantId: sb.products()[0]!.variants[0]!.id, quantity: 1 }] });
    await waitFor(() => receiver!.received.length >= 1, 5000, 'orders/create');
    const payload = JSON.parse(receiver.received[0]!.body);
    expect(payload.email).toBe(order.email);
    expect(payload.shipping_address).toMatchObject({ address1: order.shippingAddress?.address1, country_code: order.shippingAddress?.countryCode });

    const run = await gql(sb, 'mutation Run($q: String!) { bulkOperationRunQuery(query: $q) { userErrors { message } } }', {
      q: '{ orders { edges { node { id email shippingAddress { city countryCodeV2 } } } } }',
    });
    expect(run.body.data?.bulkOperationRunQuery.userErrors).toEqual([]);
    const url = await waitFor(async () => (await gql(sb, '{ currentBulkOperation { status url } }')).body.data?.currentBulkOperation.url as string | null, 10_000, 'bulk');
    const lines = (await (await fetch(url)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line.shippingAddress).toMatchObject({ city: expect.any(String), countryCodeV2: expect.stringMatching(/^[A-Z]{2}$/) });
  });
});
