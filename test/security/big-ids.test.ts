// Shopify's REST ids are 64-bit; JSON.parse rounds every one beyond 2^53 (788032119674292922 became
// 788032119674292900), so where a payload carries no admin_graphql_api_id — products/delete, trimmed
// include_fields payloads, inventory item ids — the GID named another record. These are Shopify's own
// sample payloads (products/create, products/delete, orders/cancelled, inventory_levels/update), with
// admin_graphql_api_id left out as a trimmed payload has it; every id must reach the hub digit for digit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyConnector } from '../../src/connectors/shopify/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createShopifyConnection, deliverShopify } from './webhook-helpers.js';

const PRODUCT = '788032119674292922';
const VARIANTS = ['642667041472713922', '757650484644203962'];
const INVENTORY_ITEM = '271878346596884015';
const ORDER = '820982911946154508';
const LINES = ['866550311766439020', '141249953214522974'];
const CUSTOMER = '115310627314723954';

// Raw text, as Shopify sends it: the ids are JSON numbers, never strings.
const productsCreate = `{"body_html":"An example T-Shirt","created_at":null,"handle":"example-t-shirt","id":${PRODUCT},"product_type":"Shirts",
"published_at":"2021-12-31T19:00:00-05:00","template_suffix":null,"title":"Example T-Shirt","updated_at":"2021-12-31T19:00:00-05:00",
"vendor":"Acme","status":"active","published_scope":"web","tags":"example, mens, t-shirt","variants":[
{"barcode":null,"compare_at_price":"24.99","created_at":"2021-12-29T19:00:00-05:00","id":${VARIANTS[0]},"inventory_policy":"deny","position":1,
"price":"19.99","product_id":${PRODUCT},"sku":"EXAMPLE-S","taxable":true,"title":"Small","updated_at":"2021-12-30T19:00:00-05:00","option1":"Small",
"inventory_item_id":${INVENTORY_ITEM},"inventory_quantity":75},
{"barcode":null,"compare_at_price":"24.99","created_at":"2021-12-29T19:00:00-05:00","id":${VARIANTS[1]},"inventory_policy":"deny","position":2,
"price":"19.99","product_id":${PRODUCT},"sku":"EXAMPLE-M","taxable":true,"title":"Medium","updated_at":"2021-12-31T19:00:00-05:00","option1":"Medium",
"inventory_item_id":null,"inventory_quantity":50}],"options":[],"images":[],"image":null}`;

const inventoryLevelsUpdate = `{"inventory_item_id":${INVENTORY_ITEM},"location_id":24826418,"available":6,"updated_at":"2022-01-01T19:00:00-05:00"}`;

const customersUpdate = `{"id":${CUSTOMER},"email":"john@example.com","created_at":null,"updated_at":"2021-12-31T19:00:00-05:00","first_name":"John",
"last_name":"Smith","state":"disabled","note":null,"verified_email":true,"tax_exempt":false,"phone":null,"currency":"USD","tags":""}`;

const ordersCancelled = `{"id":${ORDER},"cancel_reason":"customer","cancelled_at":"2021-12-31T19:00:00-05:00","closed_at":null,
"contact_email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","financial_status":"voided","fulfillment_status":null,
"name":"#9999","processed_at":"2021-12-31T19:00:00-05:00","subtotal_price":"388.00","total_price":"388.00","total_tax":"0.00",
"updated_at":"2021-12-31T19:00:00-05:00","customer":{"id":${CUSTOMER},"email":"john@example.com","first_name":"John","last_name":"Smith"},
"line_items":[{"id":${LINES[0]},"name":"IPod Nano - 8GB","price":"199.00","product_id":632910392,"quantity":1,"sku":"IPOD2008PINK","variant_id":808950810},
{"id":${LINES[1]},"name":"IPod Nano - 8GB","price":"199.00","product_id":632910392,"quantity":1,"sku":"IPOD2008PINK","variant_id":808950810}],
"shipping_lines":[{"id":271878346596884015,"price":"10.00","title":"Generic Shipping"}]}`;

const productsDelete = `{"id":${PRODUCT}}`;

describe('Shopify ids beyond 2^53 without admin_graphql_api_id, end to end', () => {
  let h: TestApp;
  let conn: string;

  beforeAll(async () => {
    h = await createTestApp({ connectors: [shopifyConnector] });
    conn = await createShopifyConnection(h, await h.newTenant('big-ids'));
  });
  afterAll(() => h?.close());

  const deliver = async (topic: string, raw: string) => {
    const res = await deliverShopify(h, conn, topic, raw);
    expect(res.json(), topic).toEqual({ received: 1, duplicates: 0 });
    await h.engine.webhooksIdle(conn);
  };
  const links = async (entity: string) =>
    (await h.t.db.query<{ external_id: string; parent_external_id: string | null; platform_ids: Record<string, string> }>(
      'SELECT external_id, parent_external_id, platform_ids FROM links WHERE connection_id = $1 AND entity = $2 AND deleted_at IS NULL ORDER BY external_id',
      [conn, entity],
    )).rows;

  it('keeps every digit from the webhook to the links, stock, order and order lines, and deletes by the exact id', async () => {
    await deliver('products/create', productsCreate);
    expect(await links('product')).toEqual([
      { external_id: `gid://shopify/ProductVariant/${VARIANTS[0]}`, parent_external_id: `gid://shopify/Product/${PRODUCT}`, platform_ids: { inventoryItemId: `gid://shopify/InventoryItem/${INVENTORY_ITEM}` } },
      { external_id: `gid://shopify/ProductVariant/${VARIANTS[1]}`, parent_external_id: `gid://shopify/Product/${PRODUCT}`, platform_ids: {} },
    ]);

    // The stock payload names the item only by its numeric id: found only if no digit was lost.
    await deliver('inventory_levels/update', inventoryLevelsUpdate);
    const stock = (await h.t.db.query<{ sku: string; location_id: string; available: number }>('SELECT sku, location_id, available FROM stock_levels')).rows;
    expect(stock).toEqual([{ sku: 'EXAMPLE-S', location_id: 'gid://shopify/Location/24826418', available: 6 }]);

    await deliver('customers/update', customersUpdate);
    await deliver('orders/cancelled', ordersCancelled);
    expect((await links('customer')).map((l) => l.external_id)).toEqual([`gid://shopify/Customer/${CUSTOMER}`]);
    expect((await links('order')).map((l) => l.external_id)).toEqual([`gid://shopify/Order/${ORDER}`]);
    const lines = (await h.t.db.query<{ external_id: string; customer_linked: boolean }>(
      `SELECT ol.external_id, o.customer_id IS NOT NULL AS customer_linked FROM order_lines ol JOIN orders o ON o.id = ol.order_id ORDER BY ol.line_no`,
    )).rows;
    expect(lines).toEqual(LINES.map((id) => ({ external_id: `gid://shopify/LineItem/${id}`, customer_linked: true })));

    // products/delete carries the bare numeric id: a rounded one would name no product and delete nothing.
    await deliver('products/delete', productsDelete);
    expect(await links('product')).toEqual([]);
    const alive = (await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE deleted_at IS NULL')).rows[0]!.n;
    expect(alive).toBe(0);
  });
});
