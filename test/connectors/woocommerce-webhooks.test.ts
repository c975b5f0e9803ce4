// WooCommerce webhooks end to end: the sandbox signs and delivers to a receiver that hands each delivery
// to the engine as the server would. The creation ping is answered 200; a simple product's update is
// applied from its payload; a variation's update re-reads its product through the connector; a
// trashed product's `deleted` removes its SKUs; a delivery signed with another secret is refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isSyncError } from '../../src/core/errors.js';
import { waitFor } from '../helpers/db.js';
import { createWooHarness, hubCopy, storeTruth, type WooHarness } from '../helpers/woocommerce.js';

const SECRET = 'whsec-test&more';

/** Forwards deliveries to the engine; answers 200, or 401 for a delivery it refuses. */
async function startForwarder(h: WooHarness): Promise<{ url: string; statuses: number[]; server: Server }> {
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = { headers: req.headers, rawBody: Buffer.concat(chunks), query: {} };
      h.engine.receiveWebhook('woocommerce', h.connectionId, raw).then(
        () => (statuses.push(200), res.writeHead(200).end()),
        (err: unknown) => {
          const status = isSyncError(err) && err.code === 'webhook_signature_invalid' ? 401 : 500;
          statuses.push(status);
          res.writeHead(status).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/woocommerce/${h.connectionId}`, statuses, server };
}

async function createWebhook(h: WooHarness, topic: string, url: string, secret: string): Promise<number> {
  const auth = Buffer.from(`${h.sb.consumerKey}:${h.sb.consumerSecret}`).toString('base64');
  const res = await fetch(`${h.sb.url}/wp-json/wc/v3/webhooks`, {
    method: 'POST', headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify({ topic, delivery_url: url, secret }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

describe('WooCommerce webhooks against the sandbox', () => {
  let h: WooHarness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
    h = server = undefined;
  });

  it('applies product updates and deletes delivered by the store; the ping is answered 200', async () => {
    h = await createWooHarness({ credentials: { webhookSecret: SECRET } });
    h.sb.seed({ products: 5, variableProducts: 2, variationsPerProduct: 3, customers: 2, orders: 3, seed: 6 });
    await h.sync('full');
    const fwd = await startForwarder(h);
    server = fwd.server;
    for (const topic of ['product.updated', 'product.deleted']) await createWebhook(h, topic, fwd.url, SECRET);
    // Both pings were answered 200 and made no event.
    await waitFor(() => h!.sb.deliveries().filter((d) => d.kind === 'ping' && d.status !== 'pending').length === 2, 5_000, 'the pings');
    expect(h.sb.deliveries().filter((d) => d.kind === 'ping').map((d) => d.responseStatus)).toEqual([200, 200]);

    const simple = h.sb.products().find((p) => p.type === 'simple')!;
    h.sb.editProduct(simple.id as number, { name: 'Webhook mug', regular_price: '3.21', sale_price: '' });
    const variable = h.sb.products().find((p) => p.type === 'variable')!;
    const variation = variable.variation_objects[2]!;
    h.sb.editVariation(variable.id as number, variation.id as number, { regular_price: '45.60', sale_price: '' });
    const other = h.sb.products().filter((p) => p.type === 'simple')[1]!;
    h.sb.deleteProduct(other.id as number);

    const expected = storeTruth(h.sb);
    await waitFor(async () => JSON.stringify((await hubCopy(h!.t.db, h!.connectionId)).skus) === JSON.stringify(expected.skus), 10_000, 'the hub to apply the deliveries');
    await h.engine.webhooksIdle(h.connectionId, 5_000);
    const skus = (await hubCopy(h.t.db, h.connectionId)).skus;
    expect(skus).toEqual(expected.skus);
    expect(skus.find((s) => s.id === String(simple.id))).toMatchObject({ name: 'Webhook mug', price: '3.21' });
    expect(skus.find((s) => s.id === String(variation.id))).toMatchObject({ price: '45.60' });
    expect(skus.find((s) => s.id === String(other.id))).toBeUndefined();
    expect(fwd.statuses.every((s) => s === 200)).toBe(true);
  });

  it('refuses deliveries signed with another secret', async () => {
    h = await createWooHarness({ credentials: { webhookSecret: SECRET } });
    h.sb.seed({ products: 2, variableProducts: 0, customers: 0, orders: 0, seed: 1 });
    const fwd = await startForwarder(h);
    server = fwd.server;
    await createWebhook(h, 'product.updated', fwd.url, 'another-secret');
    const p = h.sb.products()[0]!;
    h.sb.editProduct(p.id as number, { name: 'Forged?' });
    await waitFor(() => fwd.statuses.includes(401), 5_000, 'the refused delivery');
    expect(h.sb.deliveries().filter((d) => d.kind === 'event').map((d) => d.responseStatus)).toContain(401);
    expect((await hubCopy(h.t.db, h.connectionId)).skus).toEqual([]);
  });
});
