import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, stableStringify } from './hash.js';

/** Rebuilds `value` with the keys of every object inserted in a shuffled order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorder(item, seed + i));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const shuffled = entries
    .map((entry, i) => ({ entry, sortKey: Math.sin(seed * 7919 + i * 104729) }))
    .sort((a, b) => a.sortKey - b.sortKey)
    .map(({ entry: [k, v] }, i) => [k, reorder(v, seed + i + 1)] as const);
  return Object.fromEntries(shuffled);
}

describe('stableStringify', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(stableStringify({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('omits undefined properties', () => {
    expect(stableStringify({ a: 1, b: undefined })).toBe(stableStringify({ a: 1 }));
    expect(stableStringify([1, undefined])).toBe('[1,null]');
    expect(stableStringify(undefined)).toBe('null');
  });

  it('refuses values JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableStringify(cyclic)).toThrow(TypeError);
    expect(() => stableStringify({ a: () => 1 })).toThrow();
    expect(() => stableStringify({ a: Number.NaN })).toThrow();
  });
});

describe('contentHash', () => {
  it('is a sha256 hex digest', () => {
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    // sha256 of the text {"a":1}
    expect(contentHash({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  });

  it('ignores undefined properties', () => {
    expect(contentHash({ a: 1, b: undefined })).toBe(contentHash({ a: 1 }));
  });

  it('depends on array order', () => {
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const shuffled = reorder(value, seed);
        expect(shuffled).toEqual(value);
        expect(contentHash(shuffled)).toBe(contentHash(value));
      }),
    );
  });

  it('differs for different values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(stableStringify(a) !== stableStringify(b));
        expect(contentHash(a)).not.toBe(contentHash(b));
      }),
    );
  });

  it('differs when one field of a record changes', () => {
    fc.assert(
      fc.property(
        fc.record({ externalId: fc.string(), price: fc.stringMatching(/^\d{1,4}\.\d{2}$/), tags: fc.array(fc.string()) }),
        fc.stringMatching(/^\d{1,4}\.\d{2}$/),
        (record, price) => {
          fc.pre(price !== record.price);
          expect(contentHash({ ...record, price })).not.toBe(contentHash(record));
        },
      ),
    );
  });
});
