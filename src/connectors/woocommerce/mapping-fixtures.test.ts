// WooCommerce mapping against recorded answers of the WooCommerce sandbox and more of the REST API
// documentation's samples (test/connectors/fixtures/woocommerce/README.md says where each comes from):
// each maps to the expected canonical records, which all pass the schema; the expected files are
// cross-checked here against the raw answers on the rules that matter (one SKU per variation, sale and
// compare-at price, stock only when managed, totals that add up), and the recorded `deleted` delivery
// verifies and parses to a delete.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, parseCanonicalRecord, type ProductRecord } from '../../core/records.js';
import type { RawRequest } from '../types.js';
import { mapWooCustomer, mapWooOrder, mapWooProduct, type WooProduct, type WooProductItem } from './mapping.js';
import { mapWooWebhook, parseWooWebhook, verifyWooWebhook } from './webhooks.js';

type Loose = Record<string, unknown>;
const FIXTURES = new URL('../../../test/connectors/fixtures/woocommerce/', import.meta.url);
const fixture = <T = Loose>(name: string): T => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
const cents = (s: unknown) => Math.round(Number(s ?? 0) * 100);

const CASES: [string, () => unknown[]][] = [
  ['sandbox-simple-product', () => mapWooProduct({ product: fixture('sandbox-simple-product.json'), variations: [] })],
  ['sandbox-variable-product', () => mapWooProduct(fixture<WooProductItem>('sandbox-variable-product.json'))],
  ['sandbox-order', () => [mapWooOrder(fixture('sandbox-order.json'))]],
  ['sandbox-customer', () => [mapWooCustomer(fixture('sandbox-customer.json'))]],
  ['docs-orders-list', () => fixture<Loose[]>('docs-orders-list.json').map((o) => mapWooOrder(o))],
  ['docs-customers-list', () => fixture<Loose[]>('docs-customers-list.json').map((c) => mapWooCustomer(c))],
  ['docs-products-list', () => fixture<WooProduct[]>('docs-products-list.json').map((p) => mapWooProduct({ product: p, variations: [] }))],
  ['docs-variation', () => mapWooProduct({ product: fixture<WooProduct[]>('docs-products-list.json')[0]!, variations: [fixture('docs-variation.json')] })],
];

describe('WooCommerce mapping of recorded sandbox answers and documentation samples', () => {
  it.each(CASES)('%s maps to the expected, valid canonical records', (name, map) => {
    const out = map();
    const expected = fixture<unknown[]>(`${name}.expected.json`);
    expect(plain(out)).toEqual(expected);
    expect(out.length).toBeGreaterThan(0);
    for (const r of out.flat()) expect(parseCanonicalRecord(r)).toMatchObject({ ok: true });
  });

  it('makes one SKU per recorded variation: its price, its compare-at price on sale, its stock only when managed', () => {
    const item = fixture<{ product: Loose; variations: Loose[] }>('sandbox-variable-product.json');
    const out = mapWooProduct(item as WooProductItem);
    const products = out.filter((r): r is ProductRecord => r.entity === 'product');
    expect(products.map((p) => p.externalId)).toEqual(item.variations.map((v) => String(v.id)));
    for (const v of item.variations) {
      const p = products.find((r) => r.externalId === String(v.id))!;
      const option = (v.attributes as { option: string }[])[0]!.option;
      expect(p).toMatchObject({ parentExternalId: String(item.product.id), sku: v.sku, name: `${item.product.name as string} - ${option}` });
      expect(p.price).toBe(((v.sale_price as string) || (v.regular_price as string)));
      expect(p.compareAtPrice).toBe(v.sale_price === '' ? null : v.regular_price);
      expect(p.isActive).toBe(v.status === 'publish');
      const stock = out.find((r) => r.entity === 'stock_level' && (r as { productExternalId?: string }).productExternalId === String(v.id));
      if (v.manage_stock === true) expect(stock).toMatchObject({ available: v.stock_quantity, locationId: 'default' });
      else expect(stock).toBeUndefined();
    }
    // The product is only the group of its variations: no record of its own, and its variation list is its children.
    expect(out.some((r) => 'externalId' in r && r.externalId === String(item.product.id))).toBe(false);
    expect(item.product.variations).toEqual(item.variations.map((v) => v.id).sort((a, b) => Number(a) - Number(b)));
  });

  it('keeps the recorded and documented order totals consistent and names variations on their lines', () => {
    for (const raw of [fixture('sandbox-order.json'), ...fixture<Loose[]>('docs-orders-list.json')]) {
      const o = mapWooOrder(raw) as OrderRecord;
      const t = o.totals!;
      expect(cents(t.subtotal) + cents(t.tax) + cents(t.shipping) - cents(t.discount)).toBe(cents(raw.total));
      const lines = raw.line_items as Loose[];
      expect(o.lines.reduce((n, l) => n + cents(l.total), 0)).toBe(lines.reduce((n, l) => n + cents(l.total), 0));
      for (const [i, line] of lines.entries()) expect(o.lines[i]!.productExternalId).toBe(String(line.variation_id || line.product_id));
      expect(o.customer?.externalId).toBe(raw.customer_id === 0 ? undefined : String(raw.customer_id));
    }
    const recorded = mapWooOrder(fixture('sandbox-order.json')) as OrderRecord;
    expect(recorded.lines.map((l) => l.name)).toEqual(['Enamel Mug “Café”', 'Linen Shirt - L']);
    expect(recorded.financialStatus).toBe('paid');
    expect((mapWooOrder(fixture<Loose[]>('docs-orders-list.json')[1]) as OrderRecord).financialStatus).toBe('partially_refunded');
  });

  it('verifies the recorded product.deleted delivery and makes a delete of {"id": N}', () => {
    const d = fixture<{ secret: string; headers: Record<string, string>; body: string }>('sandbox-webhook-product-deleted.json');
    expect(JSON.parse(d.body)).toEqual({ id: expect.any(Number) });
    const req: RawRequest = { headers: d.headers, rawBody: Buffer.from(d.body), query: {} };
    expect(verifyWooWebhook(req, d.secret)).toBe(true);
    expect(verifyWooWebhook(req, 'another secret')).toBe(false);
    const events = parseWooWebhook(req);
    expect(events).toEqual([expect.objectContaining({ stream: 'products', op: 'delete', externalId: String(JSON.parse(d.body).id), occurredAt: null })]);
    // Nothing to map from an id alone: the engine removes the linked SKUs.
    expect(mapWooWebhook(events[0]!)).toEqual([]);
  });
});
