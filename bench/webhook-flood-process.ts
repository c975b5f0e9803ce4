// The webhook flood of bench/webhooks-apply.ts, in its own process so that building, signing and
// sending deliveries does not take the server's CPU: FLOOD_CONCURRENCY kept-alive connections each
// post one signed Shopify delivery after another to the server's real webhook route, for
// FLOOD_SECONDS. Reports {"started":true} when it begins and, after the last answer, {"done":{...}}
// (over IPC).
//
// Delivery n (numbered across connections) is, of every ten: seven products/update of product
// n mod FLOOD_PRODUCTS (two variants, the title naming n), two orders/updated, one
// inventory_levels/update of a variant's inventory item; the first FLOOD_PRODUCTS deliveries are
// all products, so every inventory item is known before a stock event names it. updated_at is
// 2025-01-01 plus n seconds: later deliveries are newer, and the bench can check that the hub holds
// the newest version of every product.
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signShopify } from '../src/connectors/shopify/webhooks.js';

const url = new URL(process.env.FLOOD_URL!);
const connectionId = process.env.FLOOD_CONNECTION!;
const secret = process.env.FLOOD_SECRET!;
const seconds = Number(process.env.FLOOD_SECONDS ?? 30);
const concurrency = Number(process.env.FLOOD_CONCURRENCY ?? 16);
const products = Number(process.env.FLOOD_PRODUCTS ?? 2000);

const BASE = Date.parse('2025-01-01T00:00:00Z');
const at = (n: number) => new Date(BASE + n * 1000).toISOString().replace('.000Z', 'Z');
const productId = (p: number) => 100_000 + p;
const variantId = (p: number, k: number) => productId(p) * 10 + k;
const itemId = (p: number, k: number) => 50_000_000 + variantId(p, k);

function delivery(n: number): { topic: string; body: unknown } {
  const kind = n < products ? 0 : n % 10;
  if (kind === 7 || kind === 8) {
    const id = 700_000 + (n % 5000);
    return {
      topic: 'orders/updated',
      body: {
        id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#${id}`, currency: 'EUR', financial_status: 'paid',
        total_price: '25.00', subtotal_price: '21.01', total_tax: '3.99', updated_at: at(n),
        line_items: [0, 1].map((k) => ({ id: id * 10 + k, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + k}`, sku: `B-${k}`, name: `Line ${k}`, quantity: 1 + k, price: '10.00' })),
      },
    };
  }
  if (kind === 9) {
    const p = (n * 31) % products;
    return {
      topic: 'inventory_levels/update',
      body: { inventory_item_id: itemId(p, n % 2), location_id: 77, available: n % 100, updated_at: at(n), admin_graphql_api_id: `gid://shopify/InventoryLevel/901?inventory_item_id=${itemId(p, n % 2)}` },
    };
  }
  const p = n % products;
  const id = productId(p);
  return {
    topic: 'products/update',
    body: {
      id, admin_graphql_api_id: `gid://shopify/Product/${id}`, title: `Product ${p} v${n}`, body_html: '<p>A board.</p>', vendor: 'Bench', product_type: 'Board',
      status: 'active', tags: 'bench, flood', updated_at: at(n),
      variants: [0, 1].map((k) => ({
        id: variantId(p, k), admin_graphql_api_id: `gid://shopify/ProductVariant/${variantId(p, k)}`, title: k === 0 ? 'Default Title' : 'Large',
        sku: `B-${p}-${k}`, price: `${10 + (n % 50)}.00`, inventory_item_id: itemId(p, k), updated_at: at(n),
      })),
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(n: number): Promise<number> {
  const { topic, body } = delivery(n);
  const raw = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent, host: url.hostname, port: url.port, method: 'POST', path: `/webhooks/shopify/${connectionId}`,
        headers: {
          'content-type': 'application/json', 'content-length': Buffer.byteLength(raw), 'x-shopify-topic': topic, 'x-shopify-webhook-id': randomUUID(),
          'x-shopify-shop-domain': 'bench.myshopify.com', 'x-shopify-triggered-at': at(n), 'x-shopify-hmac-sha256': signShopify(raw, secret),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(raw);
  });
}

async function flood() {
  let next = 0;
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const until = started + seconds * 1000;
  process.send!({ started: true });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const status = await post(next++);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  process.send!({ done: { sent: next, accepted: statuses['200'] ?? 0, statuses, seconds: elapsed } });
  agent.destroy();
}

void flood().catch((err) => {
  process.stderr.write(`flood failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
