import { describe, expect, it } from 'vitest';
import {
  COMMERCE_FIELDS,
  OPS_FIELDS,
  PRODUCT_IDENTITY_FIELDS,
  ProductRecord,
  SHARED_FIELDS,
  STOCK_FIELDS,
  invalidRecord,
  isInvalidRecord,
  parseCanonicalRecord,
  recordKey,
} from './records.js';
import type { CanonicalRecord } from './records.js';

const product = {
  entity: 'product',
  externalId: 'gid://shopify/ProductVariant/1',
  parentExternalId: 'gid://shopify/Product/9',
  group: { externalId: 'gid://shopify/Product/9', title: 'T-shirt' },
  sku: 'TS-RED-M',
  price: '12.50',
  compareAtPrice: null,
  taxable: true,
  tags: ['summer', 'cotton'],
  collections: [],
  gtin: '4006381333931',
  dimensions: { length: 30, width: 20, height: 2, unit: 'cm' },
  weight: { value: 0.2, unit: 'kg' },
  hazmat: false,
  minStock: 5,
  countryOfOrigin: 'PT',
  name: 'T-shirt red M',
  images: [{ url: 'https://cdn.example.com/a.jpg', alt: null, position: 0 }],
  isActive: true,
  remoteUpdatedAt: '2025-01-15T12:00:00Z',
};

const valid: Record<string, unknown> = {
  'a full product': product,
  'a minimal product': { entity: 'product', externalId: '42', parentExternalId: null },
  'a stock level': {
    entity: 'stock_level',
    productExternalId: 'JF123',
    sku: 'TS-RED-M',
    locationId: 'WH1',
    available: -2,
    reserved: 3,
    announced: 10,
    remoteUpdatedAt: '2025-01-15T12:00:00.123+02:00',
  },
  'an order': {
    entity: 'order',
    externalId: '1001',
    number: '#1001',
    status: 'processing',
    currency: 'EUR',
    totals: { subtotal: '20.00', tax: '3.80', shipping: '4.90', total: '28.70' },
    customer: { externalId: '7', email: 'a@example.com' },
    addresses: { shipping: { name: 'A B', city: 'Berlin', countryCode: 'DE' }, billing: null },
    lines: [{ externalId: 'l1', sku: 'TS-RED-M', productExternalId: '42', name: 'T-shirt', quantity: 2, unitPrice: '10.0000', total: '20.00' }],
    placedAt: '2025-01-15T11:59:00Z',
  },
  'a customer': {
    entity: 'customer',
    externalId: 'c1',
    email: 'not-quite-an-email',
    tags: [],
    acceptsMarketing: false,
    addresses: [{ address1: 'Main St 1', zip: '10115', countryCode: 'DE' }],
  },
  'a catalog item': {
    entity: 'catalog_item',
    externalId: '4012',
    productExternalId: '71',
    productName: 'Unisex Staple T-Shirt',
    size: 'M',
    color: 'Black',
    colorCode: '#0c0c0c',
    price: '9.25',
    currency: 'USD',
    inStock: true,
    availability: { US: 'in_stock', EU: 'supplier_out_of_stock' },
  },
};

const invalid: [string, unknown, string[]][] = [
  ['a float price', { ...product, price: 12.5 }, ['price']],
  ['a price with a comma', { ...product, price: '12,50' }, ['price']],
  ['a negative price', { ...product, price: '-1.00' }, ['price']],
  ['a lower-case country', { ...product, countryOfOrigin: 'pt' }, ['countryOfOrigin']],
  ['a misspelled field', { ...product, compareAtprice: '1.00' }, ['(record)']],
  ['a missing externalId', { ...product, externalId: undefined }, ['externalId']],
  ['an empty externalId', { ...product, externalId: '' }, ['externalId']],
  ['a missing parentExternalId', { entity: 'product', externalId: '1' }, ['parentExternalId']],
  ['a bad image', { ...product, images: [{ url: 'https://x/a.jpg' }, { url: 'ftp://x/b.jpg' }] }, ['images[1].url']],
  ['a date without offset', { ...product, remoteUpdatedAt: '2025-01-15T12:00:00' }, ['remoteUpdatedAt']],
  ['an unknown entity', { entity: 'invoice', externalId: '1' }, ['entity']],
  ['no entity', { externalId: '1' }, ['entity']],
  ['a fractional stock level', { entity: 'stock_level', productExternalId: 'a', locationId: 'b', available: 1.5 }, ['available']],
  [
    'a zero-quantity order line',
    { entity: 'order', externalId: '1', lines: [{ externalId: 'l1', quantity: 1 }, { externalId: 'l2', quantity: 0 }] },
    ['lines[1].quantity'],
  ],
  ['an order without lines', { entity: 'order', externalId: '1' }, ['lines']],
  ['a non-object', 'product', ['(record)']],
  ['null', null, ['(record)']],
];

describe('parseCanonicalRecord', () => {
  it.each(Object.entries(valid))('accepts %s', (_name, input) => {
    const result = parseCanonicalRecord(input);
    expect(result).toEqual({ ok: true, record: input });
  });

  it.each(invalid)('rejects %s with a reason naming the path', (_name, input, paths) => {
    const result = parseCanonicalRecord(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const path of paths) expect(result.reason).toContain(`${path}: `);
    expect(result.reason).not.toContain('\n');
    expect(result.issues.length).toBeGreaterThan(0);
  });

  it('summarises many issues on one line', () => {
    const result = parseCanonicalRecord({ entity: 'product', externalId: '', parentExternalId: 1, price: 1, sku: '', taxable: 'y', tags: 'a', hazmat: 0 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.length).toBe(7);
      expect(result.reason).toMatch(/\(\+2 more\)$/);
    }
  });

  it('never throws, even on hostile input', () => {
    const hostile = Object.defineProperty({ entity: 'product' }, 'externalId', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const cyclic: Record<string, unknown> = { entity: 'order', externalId: '1', lines: [] };
    cyclic.self = cyclic;
    for (const input of [hostile, cyclic, undefined, Symbol('x'), () => 1, [product]]) {
      const result = parseCanonicalRecord(input);
      expect(result.ok).toBe(false);
    }
  });
});

describe('field groups', () => {
  const keys = Object.keys(ProductRecord.shape).sort();
  const groups = [COMMERCE_FIELDS, OPS_FIELDS, SHARED_FIELDS, PRODUCT_IDENTITY_FIELDS].flat();

  it('cover every product field exactly once', () => {
    expect(new Set(groups).size).toBe(groups.length);
    expect([...groups].sort()).toEqual(keys);
  });

  it('keep stock off the product', () => {
    for (const field of STOCK_FIELDS) expect(keys).not.toContain(field);
  });
});

describe('invalid records', () => {
  it('lift entity and externalId from the raw input when readable', () => {
    expect(invalidRecord({ entity: 'product', externalId: 'x1' }, 'bad')).toEqual({
      entity: 'product',
      externalId: 'x1',
      raw: { entity: 'product', externalId: 'x1' },
      reason: 'bad',
    });
    expect(invalidRecord({ id: 5 }, 'unmappable', { entity: 'order', externalId: '5' })).toMatchObject({ entity: 'order', externalId: '5' });
    expect(invalidRecord('garbage', 'not json')).toEqual({ raw: 'garbage', reason: 'not json' });
    expect(invalidRecord({ entity: 'weird', externalId: 7 }, 'x')).toEqual({ externalId: '7', raw: { entity: 'weird', externalId: 7 }, reason: 'x' });
  });

  it('are told apart from canonical records', () => {
    const items: (CanonicalRecord | ReturnType<typeof invalidRecord>)[] = [
      { entity: 'product', externalId: '1', parentExternalId: null },
      invalidRecord({}, 'bad'),
    ];
    expect(items.map(isInvalidRecord)).toEqual([false, true]);
  });
});

describe('recordKey', () => {
  it('is the external id, or SKU@location for stock', () => {
    expect(recordKey({ entity: 'order', externalId: '1001', lines: [] })).toBe('1001');
    expect(recordKey({ entity: 'stock_level', productExternalId: 'JF1', locationId: 'WH1', available: 0 })).toBe('JF1@WH1');
  });
});
