// Table-driven fixture tests: a recorded GraphQL page in, the expected canonical records out. Every
// mapped record is also run through the canonical schema, as the engine does; an invalid one is
// expected as {"invalid": "<part of the reason>"}.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isInvalidRecord, parseCanonicalRecord, type CanonicalRecord, type InvalidRecord, type OrderRecord } from '../../core/records.js';
import { mapGqlCustomer, mapGqlOrder, mapGqlProduct } from './mapping.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** What the engine sees: the mapping's output, validated. Absent-vs-undefined is normalised by a JSON round trip. */
function validated(out: (CanonicalRecord | InvalidRecord)[]): unknown[] {
  return out.map((r) => {
    if (isInvalidRecord(r)) return { invalid: r.reason };
    const checked = parseCanonicalRecord(r);
    return checked.ok ? JSON.parse(JSON.stringify(checked.record)) : { invalid: checked.reason };
  });
}

const cases = [
  { name: 'products with variants and inventory levels', file: 'products-page', root: 'products', map: (n: never) => mapGqlProduct(n) },
  { name: 'orders with line items', file: 'orders-page', root: 'orders', map: (n: never) => [mapGqlOrder(n)] },
  { name: 'customers', file: 'customers-page', root: 'customers', map: (n: never) => [mapGqlCustomer(n)] },
];

describe('Shopify GraphQL mapping', () => {
  it.each(cases)('$name', ({ file, root, map }) => {
    const page = fixture(`${file}.json`);
    const expected = fixture(`${file}.expected.json`) as unknown[];
    const actual = validated(page.data[root].nodes.flatMap((n: never) => map(n)));
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, i) => {
      const e = expected[i] as { invalid?: string };
      if (e.invalid) expect((a as { invalid?: string }).invalid ?? '(valid)').toContain(e.invalid);
      else expect(a).toEqual(e);
    });
  });

  it('never throws on garbage', () => {
    for (const junk of [null, {}, { id: 5 }, { id: 'gid://shopify/Product/1', variants: { nodes: [null, { id: 7 }] } }]) {
      expect(() => mapGqlProduct(junk as never)).not.toThrow();
      expect(() => mapGqlOrder(junk as never)).not.toThrow();
      expect(() => mapGqlCustomer(junk as never)).not.toThrow();
    }
    expect(mapGqlProduct({ id: 'gid://shopify/Product/1', variants: { nodes: [null as never] } }).every(isInvalidRecord)).toBe(true);
  });

  it('maps the shipping address and buyer email, leaving out what is empty or invalid', () => {
    const base = { id: 'gid://shopify/Order/1', name: '#1', customer: { id: 'gid://shopify/Customer/2' }, lineItems: { nodes: [] } };
    const withAddress = mapGqlOrder({
      ...base, email: 'ann@example.com',
      shippingAddress: { name: 'Ann Lee', company: null, address1: 'Main St 1', address2: ' ', city: 'Berlin', zip: '10115', province: null, countryCodeV2: 'DE', phone: null },
    });
    expect(withAddress).toMatchObject({
      customer: { externalId: 'gid://shopify/Customer/2', email: 'ann@example.com' },
      addresses: { shipping: { name: 'Ann Lee', address1: 'Main St 1', city: 'Berlin', zip: '10115', countryCode: 'DE' } },
    });
    expect((withAddress as OrderRecord).addresses?.shipping).toEqual({ name: 'Ann Lee', address1: 'Main St 1', city: 'Berlin', zip: '10115', countryCode: 'DE' });
    expect(parseCanonicalRecord(withAddress).ok).toBe(true);

    const without = mapGqlOrder({ ...base, email: null, shippingAddress: null });
    expect(without).not.toHaveProperty('addresses');
    expect((without as OrderRecord).customer).toEqual({ externalId: 'gid://shopify/Customer/2' });
    expect(mapGqlOrder({ ...base, customer: null })).toMatchObject({ customer: undefined });
    expect(mapGqlOrder({ ...base, shippingAddress: { name: '', countryCodeV2: null } })).not.toHaveProperty('addresses');

    for (const bogus of ['ZZ', 'Germany', 'D', '', '12']) {
      const order = mapGqlOrder({ ...base, shippingAddress: { city: 'Oslo', countryCodeV2: bogus } });
      expect((order as OrderRecord).addresses).toEqual({ shipping: { city: 'Oslo' } });
      expect(parseCanonicalRecord(order).ok).toBe(true);
    }
    expect((mapGqlOrder({ ...base, shippingAddress: { countryCodeV2: 'no' } }) as OrderRecord).addresses?.shipping?.countryCode).toBe('NO');
  });
});
