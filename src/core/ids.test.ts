import { describe, expect, it } from 'vitest';
import { canonicalUuid, parseJsonKeepingIds, timeOrderedUuid } from './ids.js';

describe('timeOrderedUuid', () => {
  it('is an RFC 9562 version 7 UUID carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by creation time and never repeats', () => {
    const ids = [timeOrderedUuid(1_000), timeOrderedUuid(2_000), timeOrderedUuid(3_000)];
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid(5_000)));
    expect(many.size).toBe(10_000);
  });
});

describe('canonicalUuid', () => {
  it('gives one lower-case spelling for a UUID in any case, and null for anything else', () => {
    const id = '0b9c2e1f-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
    expect(canonicalUuid(id.toUpperCase())).toBe(id);
    expect(canonicalUuid('0B9c2E1f-3c4D-4e5f-8A6b-7c8d9e0f1a2B')).toBe(id);
    for (const bad of ['', 'not-a-uuid', '-'.repeat(36), `${id} `, `${id}\u0000`, id.replace(/-/g, ''), `{${id}}`]) expect(canonicalUuid(bad)).toBeNull();
  });
});

describe('parseJsonKeepingIds', () => {
  it('keeps integers beyond 2^53 digit for digit and parses everything else as JSON.parse does', () => {
    // Shopify's own sample ids (products/create, orders/cancelled).
    const text = '{"id":788032119674292922,"variants":[{"id":642667041472713922,"price":"19.99","inventory_quantity":75}],"neg":-9007199254740993,"safe":9007199254740991,"f":1.5,"e":1e20,"big":1e400}';
    expect(parseJsonKeepingIds(text)).toEqual({
      id: '788032119674292922',
      variants: [{ id: '642667041472713922', price: '19.99', inventory_quantity: 75 }],
      neg: '-9007199254740993',
      safe: 9007199254740991,
      f: 1.5,
      e: 1e20,
      big: Infinity,
    });
    expect(String(JSON.parse(text).id)).toBe('788032119674292900'); // what JSON.parse makes of it
    for (const same of ['null', '[]', '"\\u0000"', '{"a":{"b":[true,false,null]}}', '{"a":1,"a":2}', '{"__proto__":{"x":1}}']) {
      expect(parseJsonKeepingIds(same)).toEqual(JSON.parse(same));
    }
    expect(Object.getPrototypeOf(parseJsonKeepingIds('{"__proto__":{"x":1}}'))).toBe(Object.prototype);
  });

  it('throws where JSON.parse would', () => {
    for (const bad of ['', 'not json', '{"id": 1', '{"a":tru}', "{'a':1}"]) expect(() => parseJsonKeepingIds(bad)).toThrow(SyntaxError);
  });
});
