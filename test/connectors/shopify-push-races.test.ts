// Races between pushes and webhooks, found with the two-shop setup (test/helpers/two-shops.ts); each
// failed before its fix and guards it now:
// 1. Echo race. A push's webhook is recognised as our echo by comparing it with links.last_pushed_hash,
//    which the push writes only after the platform has answered (product-push.ts, "Success, in one
//    transaction"). Shopify sends the webhook when the write is done, not after the answer reaches us,
//    so the webhook can be applied first: it is then merged as a merchant edit in that shop. Seen in
//    `npm run bench -- propagation` on PostgreSQL (1-3 of 100 echoes missed). Fixed: the hash being
//    pushed is kept on the link while the push is sent (links.pushing_hash). Here a proxy in front of
//    shop B holds productSet's answer until B's webhook has been applied, which makes the race certain.
//    a) the echo is not logged as one, and the field's provenance moves from the hub to the shop;
//    b) with a hub edit made while the push was on its way and Shopify's second-precision updated_at,
//       the missed echo carries the older value with a newer stamp: the merge applies it and the
//       merchant's last edit is lost everywhere.
// 2. Head-of-line blocking of webhook passes. Each process has one `webhook-apply` worker, and a pass
//    lingers WEBHOOK_SETTLE_MS (250 ms) after catching up (webhooks.ts) inside that worker's job, so
//    a delivery of another connection waits for the linger. Fixed: two pass workers per process.
// 3. Variant order. A push sends a product's variants "in link order" (product-push.ts loadGroup:
//    ORDER BY links.created_at, links.id) with productSet positions, taken to be the platform's order.
//    The links of one pulled page share created_at (one statement) and their ids are version 7 UUIDs whose
//    bits after the millisecond are random (core/ids.ts), so within a page the order is random: the first
//    push of a product reorders its variants in the shop (sizes XS, S, M become M, XS, S). Fixed: the
//    variants are sent in the platform's id order.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/db.js';
import { type ShopName, type TwoShopProduct, type TwoShops, twoShops } from '../helpers/two-shops.js';

// Three variants per product: a random order of three keeps the shop's order by chance 1 time in 6 per product.
const SEED = { products: 6, variantsPerProduct: 3, locations: 1, orders: 0, customers: 0, seed: 31 };

interface Hooks {
  /** Before a productSet is passed on to the shop. */
  beforeForward?: () => Promise<unknown>;
  /** After the shop has done the productSet, before its answer is passed back. */
  beforeAnswer?: () => Promise<unknown>;
}

/** A proxy in front of a sandbox that runs the hooks around productSet requests (each hook once). */
async function holdingProxy(target: string): Promise<{ url: string; hooks: Hooks; close(): Promise<void> }> {
  const hooks: Hooks = {};
  const take = (k: keyof Hooks) => {
    const hook = hooks[k];
    delete hooks[k];
    return hook?.();
  };
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const push = body.includes('productSet(');
      if (push) await take('beforeForward');
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      const upstream = await fetch(target + req.url, { method: req.method, headers, body: body.length > 0 ? body : undefined });
      const answer = Buffer.from(await upstream.arrayBuffer());
      if (push) await take('beforeAnswer');
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(answer);
    })().catch((err) => res.destroy(err as Error));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hooks,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('push and webhook races (two shops, webhooks on)', () => {
  let h: TwoShops;
  let products: TwoShopProduct[];
  let proxy: Awaited<ReturnType<typeof holdingProxy>>;
  /** Shop A's products with their variants in the shop's order, as seeded. */
  let seeded: { product: string; variants: string[] }[];
  const variantOrder = () => h.a.sb.products().map((p) => ({ product: p.gid, variants: p.variants.map((v) => v.gid) }));

  const pendingEvents = async (shop: ShopName) =>
    (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1 AND status = 'received'`, [h[shop].connectionId])).rows[0]!.n;
  /** Shop B has sent a webhook since `before` deliveries, and every event of B is applied. */
  const bWebhookApplied = (before: number) =>
    waitFor(async () => h.b.sb.deliveries().length > before && h.b.sb.deliveries().every((d) => d.status === 'delivered') && (await pendingEvents('b')) === 0, 15_000, "shop B's webhook applied");
  const quiet = async (p: TwoShopProduct) => {
    await h.webhooksSettled();
    await waitFor(async () => (await h.pushJobsPending()) === 0, 15_000, 'no product push queued or running');
    await h.settled(p.id);
  };

  beforeAll(async () => {
    h = await twoShops({ seed: SEED, debounceMs: 150 });
    products = await h.linked();
    seeded = variantOrder();
    // Shop B is reached through the proxy from now on (the connection's settings are read for each push).
    proxy = await holdingProxy(h.b.sb.url);
    await h.db.query(`UPDATE connections SET settings = settings || jsonb_build_object('baseUrl', $2::text) WHERE id = $1`, [h.b.connectionId, proxy.url]);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await h?.close();
  });

  it("1a: shop B's webhook of our push is our echo even when it is applied before productSet's answer reaches us", async () => {
    const p = products[0]!;
    const before = h.b.sb.deliveries().length;
    proxy.hooks.beforeAnswer = () => bWebhookApplied(before);
    expect((await h.patch(p.id, { price: '23.45' })).statusCode).toBe(200);
    await waitFor(() => h.shopPrice('a', p) === '23.45' && h.shopPrice('b', p) === '23.45', 15_000, 'the hub price in both shops');
    await quiet(p);
    expect(h.productSets('b')).toBeGreaterThan(0); // the push went through the proxy
    // Fails today: 0 echo lines for B, and the price's origin is 'shopify' (the missed echo, stamped later, moved the meta).
    expect(await h.logLines(p.id, 'echo', h.b.connectionId)).toBe(1);
    expect((await h.product(p.id)).fieldMeta.price.origin).toBe('hub');
  });

  it("1b: a missed echo of an earlier push does not undo a hub edit made while that push was on its way", async () => {
    const p = products[4]!;
    let arrived = false;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    proxy.hooks.beforeForward = () => {
      arrived = true;
      return released;
    };
    const before = h.b.sb.deliveries().length;
    proxy.hooks.beforeAnswer = () => bWebhookApplied(before);
    expect((await h.patch(p.id, { price: '51.00' })).statusCode).toBe(200);
    await waitFor(() => arrived, 15_000, "the push of 51.00 at shop B's door");
    expect((await h.patch(p.id, { price: '52.00' })).statusCode).toBe(200);
    // Shopify stamps updated_at to the second: the held push lands in the second after the edit, as a push
    // sent a few hundred ms after an edit often does.
    const boundary = Math.ceil(Date.now() / 1000) * 1000 + 10;
    await waitFor(() => Date.now() >= boundary, 2_000, 'the next second');
    release();
    // Not quiet(): the product ends in `conflict` today, never `in_sync`.
    await h.webhooksSettled();
    await waitFor(async () => (await h.pushJobsPending()) === 0, 15_000, 'no product push queued or running');
    // Fails today: the hub, and then both shops, hold 51.00; the merchant's later 52.00 is gone.
    expect([await h.hubPrice(p.id), h.shopPrice('a', p), h.shopPrice('b', p)]).toEqual(['52.00', '52.00', '52.00']);
  });

  it("2: a delivery of shop A is applied without waiting for shop B's pass to linger", async () => {
    const [pb, pa] = [products[8]!, products[10]!];
    const eventsOf = async (shop: ShopName) =>
      (await h.db.query<{ waited: number; status: string }>(
        `SELECT extract(epoch FROM processed_at - received_at) * 1000 AS waited, status FROM webhook_events WHERE connection_id = $1 ORDER BY received_at DESC LIMIT 1`,
        [h[shop].connectionId],
      )).rows[0];
    const before = h.b.sb.deliveries().length;
    h.editPrice('b', pb, '61.00');
    await bWebhookApplied(before); // B's pass has applied it and now lingers for WEBHOOK_SETTLE_MS
    h.editPrice('a', pa, '62.00');
    await waitFor(async () => (await h.hubPrice(pa.id)) === '62.00', 15_000, 'the shop A price in the hub');
    const event = await eventsOf('a');
    expect(event?.status).toBe('applied');
    // Fails today: about 200-250 ms, the rest of B's linger (a pass on its own takes a few tens of ms here).
    expect(Number(event!.waited)).toBeLessThan(150);
  });

  it("3: a push keeps the order of the shop's variants", async () => {
    // One hub edit of every product (some were pushed to shop A by the tests above already).
    const seen = new Set<string>();
    const firsts = products.filter((p) => !seen.has(p.a.product) && seen.add(p.a.product));
    for (const [i, p] of firsts.entries()) expect((await h.patch(p.id, { price: `${90 + i}.00` })).statusCode).toBe(200);
    await waitFor(() => firsts.every((p, i) => h.shopPrice('a', p) === `${90 + i}.00`), 15_000, 'every product pushed to shop A');
    await h.webhooksSettled();
    // Fails today for most products: the variants come back in the random order of their links.
    expect(variantOrder()).toEqual(seeded);
  });
});
