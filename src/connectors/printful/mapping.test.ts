// Table-driven mapping fixtures: a recorded Printful payload in, the expected canonical records out
// (invalid entries become InvalidRecords with a reason, never a throw).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isInvalidRecord, parseCanonicalRecord, type CanonicalRecord, type InvalidRecord } from '../../core/records.js';
import { mapCatalogProduct, mapSyncProduct } from './mapping.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const comparable = (out: (CanonicalRecord | InvalidRecord)[]) =>
  out.map((r) => (isInvalidRecord(r) ? { invalid: r.reason } : JSON.parse(JSON.stringify(r))));

describe('Printful mapping', () => {
  it.each([
    ['catalog-product', mapCatalogProduct],
    ['store-product', mapSyncProduct],
  ] as const)('%s maps to the expected records, which are valid canonical records', (name, map) => {
    const out = map(fixture(`${name}.json`));
    expect(comparable(out)).toEqual(fixture(`${name}.expected.json`));
    for (const r of out) if (!isInvalidRecord(r)) expect(parseCanonicalRecord(r).ok).toBe(true);
  });

  it.each([null, 'x', 42, [], {}, { product: {} }, { product: { id: 1 } }, { sync_product: { id: 'a' } }, { sync_product: { id: 3 }, sync_variants: [null, { id: -1 }] }])(
    'malformed input %j gives invalid records, never a throw',
    (raw) => {
      const out = [...mapCatalogProduct(raw), ...mapSyncProduct(raw)];
      expect(out.length).toBeGreaterThan(0);
      expect(out.every((r) => isInvalidRecord(r))).toBe(true);
    },
  );
});
