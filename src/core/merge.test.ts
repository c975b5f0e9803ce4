// Example-based tests of the ownership matrix and of each merge rule (core/merge.ts header). The
// property-based test (test/core/merge.property.test.ts) covers delivery orders and duplicates.
import { describe, expect, it } from 'vitest';
import { conflictKey, type HubProductState, type IncomingChange, merge, normalizeMoney, normalizeValue, sameValue } from './merge.js';
import { canHold, canWrite, DEFAULT_OWNERSHIP, isShared, ORIGINS, owns, PRODUCT_FIELDS, resolveOwnership } from './ownership.js';

const WINDOW = { windowMs: 5 * 60_000 };
const T0 = '2025-03-01T10:00:00.000Z';
const plus = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();
const change = (origin: IncomingChange['origin'], at: string, fields: IncomingChange['fields']): IncomingChange => ({ origin, at, fields });
const run = (hub: HubProductState | null, ...changes: IncomingChange[]) => {
  const results = [];
  let state = hub;
  for (const c of changes) {
    const r = merge(state, c, DEFAULT_OWNERSHIP, WINDOW);
    results.push(r);
    state = r.state;
  }
  return { state: state!, results, conflicts: results.flatMap((r) => r.conflicts) };
};

describe('default ownership (DESIGN 5.6)', () => {
  it('gives commerce fields to the storefronts and the hub, ops fields to JTL-FFN and the hub', () => {
    expect(DEFAULT_OWNERSHIP.price).toEqual({ mode: 'owned', writers: ['hub', 'shopify', 'woocommerce'] });
    expect(DEFAULT_OWNERSHIP.weight).toEqual({ mode: 'owned', writers: ['hub', 'jtl-ffn'] });
    // JTL has no storage-location field on its merchant product and Woo no vendor: the hub alone, resp. no Woo.
    expect(DEFAULT_OWNERSHIP.storageLocation.writers).toEqual(['hub']);
    expect(DEFAULT_OWNERSHIP.vendor.writers).toEqual(['hub', 'shopify']);
    expect(isShared(DEFAULT_OWNERSHIP, 'name')).toBe(true);
    expect(DEFAULT_OWNERSHIP.name.writers).toEqual(['hub', 'shopify', 'woocommerce', 'jtl-ffn']);
  });

  it('lets eMAG and Printful write nothing, and the hub everything', () => {
    for (const field of PRODUCT_FIELDS) {
      expect(canWrite(DEFAULT_OWNERSHIP, field, 'emag')).toBe(false);
      expect(canWrite(DEFAULT_OWNERSHIP, field, 'printful')).toBe(false);
      expect(canWrite(DEFAULT_OWNERSHIP, field, 'hub')).toBe(true);
    }
  });

  it('only names writers that can hold the field, so the defaults pass the override check', () => {
    for (const field of PRODUCT_FIELDS) for (const o of DEFAULT_OWNERSHIP[field].writers) expect(canHold(o, field)).toBe(true);
    expect(resolveOwnership({})).toEqual({ ok: true, ownership: DEFAULT_OWNERSHIP });
    expect(resolveOwnership(undefined)).toEqual({ ok: true, ownership: DEFAULT_OWNERSHIP });
  });
});

describe('resolveOwnership (tenant overrides)', () => {
  it('accepts an override giving price to eMAG (the hub stays a writer)', () => {
    const r = resolveOwnership({ price: { mode: 'owned', owners: ['emag', 'shopify'] } });
    if (!r.ok) throw new Error(r.issues.join('; '));
    expect(owns(r.ownership, 'price', 'emag')).toBe(true);
    expect(owns(r.ownership, 'price', 'woocommerce')).toBe(false);
    expect(r.ownership.price.writers).toEqual(['hub', 'shopify', 'emag']);
    expect(r.ownership.name).toBe(DEFAULT_OWNERSHIP.name);
  });

  it('refuses storageLocation for Printful, naming both', () => {
    const r = resolveOwnership({ storageLocation: { mode: 'owned', owners: ['hub', 'printful'] } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatch(/^storageLocation\.owners\[1\]: printful cannot hold storageLocation \(printful holds: price, sku/);
  });

  it('reports unknown fields, unknown origins and bad shapes, all at once', () => {
    const r = resolveOwnership({
      colour: { mode: 'shared' },
      available: { mode: 'owned', owners: ['hub'] },
      price: { mode: 'owned', owners: ['amazon'] },
      name: { owners: ['shopify'] },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^colour: unknown product field "colour"/),
        expect.stringMatching(/^available: available is a stock field/),
        expect.stringMatching(/^price\.owners\[0\]: must be one of hub, shopify, .* \(got "amazon"\)/),
        expect.stringMatching(/^name\.mode: must be \{"mode":"owned"/),
      ]),
    );
    expect(resolveOwnership([])).toMatchObject({ ok: false });
  });

  it('lets a shared field take eMAG as a writer, and defaults the writers of a shared rule', () => {
    const r = resolveOwnership({ name: { mode: 'shared', writers: ['emag', 'shopify'] }, price: { mode: 'shared' } });
    if (!r.ok) throw new Error(r.issues.join('; '));
    expect(r.ownership.name.writers).toEqual(['hub', 'shopify', 'emag']);
    expect(r.ownership.price).toEqual({ mode: 'shared', writers: ['hub', 'shopify', 'woocommerce', 'jtl-ffn'] });
    expect(ORIGINS).toContain('jtl-ffn');
  });
});

describe('merge: ownership', () => {
  it('refuses an eMAG offer price once Shopify (a writer of price) has set it, and keeps the Shopify price', () => {
    const { state, results } = run(null, change('shopify', T0, { price: '19.90' }), change('emag', plus(1), { price: '17.50' }));
    expect(results[0]!.applied).toEqual(['price']);
    expect(results[1]!.refused).toEqual(['price']);
    expect(results[1]!.conflicts).toEqual([]);
    expect(state.data.price).toBe('19.90');
    expect(state.fieldMeta.price).toEqual({ origin: 'shopify', at: T0 });
  });

  it('refuses an eMAG price after a hub price even when the hub price is older by the clock', () => {
    const { state, results } = run(null, change('hub', plus(1), { price: '21' }), change('emag', plus(30), { price: '17.50' }));
    expect(results[1]!.refused).toEqual(['price']);
    expect(state.data.price).toBe('21');
    expect(state.fieldMeta.price).toEqual({ origin: 'hub', at: plus(1) });
  });

  it('applies the JTL weight, then refuses the Shopify weight (JTL, a writer, has set it)', () => {
    const weight = { value: 250, unit: 'g' };
    const { state, results } = run(null, change('jtl-ffn', T0, { weight }), change('shopify', plus(1), { weight: { value: 300, unit: 'g' }, price: '5' }));
    expect(results[0]!.applied).toEqual(['weight']);
    expect(results[1]!.refused).toEqual(['weight']);
    expect(results[1]!.applied).toEqual(['price']);
    expect(state.data.weight).toEqual(weight);
    expect(state.fieldMeta.weight?.origin).toBe('jtl-ffn');
  });

  it('follows an override: eMAG may set the price it owns, and Shopify, no longer an owner, is refused', () => {
    const r = resolveOwnership({ price: { mode: 'owned', owners: ['emag'] } });
    if (!r.ok) throw new Error(r.issues.join('; '));
    const out = merge(null, change('emag', T0, { price: '17.5' }), r.ownership, WINDOW);
    expect(out.applied).toEqual(['price']);
    expect(merge(out.state, change('shopify', plus(1), { price: '20' }), r.ownership, WINDOW).refused).toEqual(['price']);
  });
});

describe('merge: non-writers fill a field no writer has set', () => {
  it('lets a Shopify SKU fill a SKU-less product, then refuses Shopify SKUs once the hub has set the SKU', () => {
    const { state, results, conflicts } = run(
      null,
      change('hub', T0, { name: 'Mug' }), // the product exists, without a SKU
      change('shopify', plus(1), { sku: 'MUG-1' }), // Shopify is no writer of sku (JTL-FFN and the hub are)
      change('hub', plus(2), { sku: 'MUG-001' }),
      change('shopify', plus(3), { sku: 'MUG-2' }),
      change('shopify', plus(60), { sku: 'MUG-3' }),
    );
    expect(results[1]!.applied).toEqual(['sku']);
    expect(results[1]!.state.fieldMeta.sku).toEqual({ origin: 'shopify', at: plus(1) });
    expect(results[2]!.applied).toEqual(['sku']);
    expect(results[3]!.refused).toEqual(['sku']);
    expect(results[4]!.refused).toEqual(['sku']);
    expect(conflicts).toEqual([]);
    expect(state.data.sku).toBe('MUG-001');
    expect(state.fieldMeta.sku).toEqual({ origin: 'hub', at: plus(2) });
  });

  it('lets an eMAG price fill an eMAG-only product and yield to an OLDER Shopify price, without a conflict', () => {
    const { state, results, conflicts } = run(
      null,
      change('emag', plus(2), { price: '17.50', name: 'Cana' }),
      change('shopify', T0, { price: '19.90' }), // older by the clock, and within the window
      change('emag', plus(3), { price: '16' }),
    );
    expect(results[0]!.applied).toEqual(['price', 'name']);
    expect(results[1]!.applied).toEqual(['price']);
    expect(results[2]!.refused).toEqual(['price']);
    expect(conflicts).toEqual([]);
    expect(state.data).toEqual({ price: '19.90', name: 'Cana' });
    expect(state.fieldMeta.price).toEqual({ origin: 'shopify', at: T0 });
  });

  it('lets the later fill by stamp win between two non-writers, in both delivery orders', () => {
    const emag = change('emag', plus(1), { price: '17.50' });
    const jtl = change('jtl-ffn', T0, { price: '18' }); // JTL-FFN is no writer of price either
    const sameClock = change('jtl-ffn', plus(1), { price: '18.50' }); // a tie on the clock: origin name decides
    for (const [a, b] of [[emag, jtl], [jtl, emag]] as const) {
      const r = run(null, a, b);
      expect(r.state.data.price).toBe('17.50');
      expect(r.state.fieldMeta.price).toEqual({ origin: 'emag', at: plus(1) });
      expect(r.results.map((x) => x.refused)).toEqual([[], []]);
      expect(r.conflicts).toEqual([]);
    }
    expect(run(null, jtl, emag).results[1]!.applied).toEqual(['price']);
    expect(run(null, emag, jtl).results[1]!.stale).toEqual(['price']);
    expect(run(null, emag, sameClock).state.fieldMeta.price?.origin).toBe('jtl-ffn');
    expect(run(null, sameClock, emag).state.fieldMeta.price?.origin).toBe('jtl-ffn');
  });

  it("treats a writer's edit after a fill as no conflict, even within the window; writers still collide", () => {
    const r = run(null, change('emag', T0, { name: 'Cana' }), change('hub', plus(1), { name: 'Mug' }), change('shopify', plus(2), { name: 'Coffee mug' }));
    expect(r.results[1]).toMatchObject({ applied: ['name'], conflicts: [] });
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]).toMatchObject({ local: { origin: 'hub', value: 'Mug' }, remote: { origin: 'shopify' }, winner: 'remote' });
  });

  it('counts a value without meta as not set by a writer: an eMAG price fills over it', () => {
    const legacy: HubProductState = { data: { price: '10' }, fieldMeta: {} };
    const r = merge(legacy, change('emag', T0, { price: '12' }), DEFAULT_OWNERSHIP, WINDOW);
    expect(r).toMatchObject({ applied: ['price'], refused: [], conflicts: [], state: { data: { price: '12' }, fieldMeta: { price: { origin: 'emag', at: T0 } } } });
  });
});

describe('merge: conflicts', () => {
  it('reports one conflict when hub and Shopify edit the name 2 minutes apart; the later wins', () => {
    const hub = change('hub', T0, { name: 'Mug' });
    const shopify = change('shopify', plus(2), { name: 'Coffee mug' });
    const inOrder = run(null, hub, shopify);
    const late = run(null, shopify, hub); // the hub edit reaches the merge after Shopify's
    for (const r of [inOrder, late]) {
      expect(r.conflicts).toHaveLength(1);
      expect(r.state.data.name).toBe('Coffee mug');
      expect(r.state.fieldMeta.name).toEqual({ origin: 'shopify', at: plus(2) });
    }
    expect(inOrder.conflicts[0]).toEqual({
      field: 'name',
      local: { value: 'Mug', origin: 'hub', at: T0 },
      remote: { value: 'Coffee mug', origin: 'shopify', at: plus(2) },
      winner: 'remote',
    });
    expect(late.results[1]!.stale).toEqual(['name']);
    expect(late.conflicts[0]!.winner).toBe('local');
    expect(conflictKey(late.conflicts[0]!)).toBe(conflictKey(inOrder.conflicts[0]!));
  });

  it('reports no conflict 10 minutes apart, nor for the same origin, nor for a change refused after a writer set the field', () => {
    expect(run(null, change('hub', T0, { name: 'A' }), change('shopify', plus(10), { name: 'B' })).conflicts).toEqual([]);
    expect(run(null, change('shopify', T0, { name: 'A' }), change('shopify', plus(1), { name: 'B' })).conflicts).toEqual([]);
    expect(run(null, change('shopify', T0, { name: 'A' }), change('emag', plus(1), { name: 'B' })).conflicts).toEqual([]);
  });

  it('reports a conflict on an owned field both origins own (hub and Shopify on price)', () => {
    const r = run(null, change('shopify', T0, { price: '10' }), change('hub', plus(3), { price: '12' }));
    expect(r.conflicts).toMatchObject([{ field: 'price', winner: 'remote', local: { origin: 'shopify' }, remote: { origin: 'hub' } }]);
    expect(r.state.data.price).toBe('12');
  });

  it('counts the window inclusively', () => {
    expect(run(null, change('hub', T0, { name: 'A' }), change('shopify', plus(5), { name: 'B' })).conflicts).toHaveLength(1);
  });
});

describe('merge: values and clocks', () => {
  it('treats "19.9" and "19.90" as unchanged: data kept, newer meta moves, older meta stays', () => {
    const first = run(null, change('shopify', plus(1), { price: '19.90' }));
    const newer = merge(first.state, change('hub', plus(2), { price: '19.9' }), DEFAULT_OWNERSHIP, WINDOW);
    expect(newer.unchanged).toEqual(['price']);
    expect(newer.applied).toEqual([]);
    expect(newer.conflicts).toEqual([]);
    expect(newer.state.data.price).toBe('19.90');
    expect(newer.state.fieldMeta.price).toEqual({ origin: 'hub', at: plus(2) });
    const older = merge(first.state, change('hub', T0, { price: '19.900' }), DEFAULT_OWNERSHIP, WINDOW);
    expect(older.unchanged).toEqual(['price']);
    expect(older.state).toEqual(first.state);
  });

  it('treats reordered tags and trimmed strings as unchanged', () => {
    const first = run(null, change('shopify', T0, { tags: ['b', 'a'], name: 'Mug' }));
    const again = merge(first.state, change('shopify', plus(1), { tags: ['a', ' b', 'a'], name: ' Mug ' }), DEFAULT_OWNERSHIP, WINDOW);
    expect(again.unchanged).toEqual(['tags', 'name']);
    expect(again.state.data).toEqual(first.state.data);
  });

  it('ignores a stale delivery', () => {
    const r = run(null, change('shopify', plus(20), { name: 'New' }), change('woocommerce', T0, { name: 'Old' }));
    expect(r.results[1]!.stale).toEqual(['name']);
    expect(r.results[1]!.conflicts).toEqual([]); // 20 minutes apart: outside the window
    expect(r.state.data.name).toBe('New');
  });

  it('breaks a tie on the clock the same way in both orders (the hub wins)', () => {
    const a = change('hub', T0, { name: 'Hub' });
    const b = change('shopify', '2025-03-01T11:00:00+01:00', { name: 'Shop' }); // the same instant
    expect(run(null, a, b).state).toEqual(run(null, b, a).state);
    expect(run(null, a, b).state.data.name).toBe('Hub');
  });

  it('applies null as a value and leaves absent or undefined keys alone', () => {
    const r = run(null, change('shopify', T0, { compareAtPrice: '30', vendor: 'Acme' }), change('shopify', plus(1), { compareAtPrice: null, vendor: undefined }));
    expect(r.results[1]!.applied).toEqual(['compareAtPrice']);
    expect(r.state.data).toEqual({ compareAtPrice: null, vendor: 'Acme' });
    expect(r.state.fieldMeta.vendor?.at).toBe(T0);
  });

  it('overwrites a legacy value without meta, without a conflict, and ignores non-product keys', () => {
    const legacy: HubProductState = { data: { name: 'Legacy' }, fieldMeta: {} };
    const fields = { name: 'Fresh', group: { externalId: 'g1' } } as IncomingChange['fields'];
    const r = merge(legacy, change('hub', T0, fields), DEFAULT_OWNERSHIP, WINDOW);
    expect(r).toMatchObject({ applied: ['name'], conflicts: [], state: { data: { name: 'Fresh' }, fieldMeta: { name: { origin: 'hub', at: T0 } } } });
    expect(r.state.data).not.toHaveProperty('group');
  });

  it('does not mutate its input and shares no objects with it', () => {
    const hub: HubProductState = { data: { images: [{ url: 'https://x.test/a.png' }] }, fieldMeta: { images: { origin: 'hub', at: T0 } } };
    const snapshot = structuredClone(hub);
    const incoming = change('shopify', plus(30), { images: [{ url: 'https://x.test/b.png' }], tags: ['x'] });
    const r = merge(hub, incoming, DEFAULT_OWNERSHIP, WINDOW);
    expect(hub).toEqual(snapshot);
    expect(r.state.data.tags).not.toBe(incoming.fields.tags);
    expect(r.applied).toEqual(['tags', 'images']);
  });

  it('refuses an unreadable clock loudly', () => {
    expect(() => merge(null, change('hub', 'yesterday', { name: 'x' }), DEFAULT_OWNERSHIP, WINDOW)).toThrow(RangeError);
  });
});

describe('normalizeValue / sameValue', () => {
  it.each([
    ['19.90', '19.9'], ['019.900', '19.9'], ['20.00', '20'], ['0.0', '0'], ['.5', '0.5'], ['5.', '5'], [' 7.10 ', '7.1'], ['abc', 'abc'],
  ])('money %j -> %j', (input, expected) => {
    expect(normalizeMoney(input)).toBe(expected);
  });

  it('normalises numbers, strings, sets and objects', () => {
    expect(normalizeValue('price', 19.9)).toBe('19.9');
    expect(normalizeValue('collections', [' Mugs', 'Cups', 'Mugs'])).toEqual(['Cups', 'Mugs']);
    expect(JSON.stringify(normalizeValue('dimensions', { width: 2, unit: 'cm', length: 1, height: -0 }))).toBe('{"height":0,"length":0.01,"unit":"m","width":0.02}');
    expect(sameValue('images', [{ url: 'u1', alt: undefined }, { url: 'u2' }], [{ url: 'u1' }, { url: ' u2 ' }])).toBe(true);
    expect(sameValue('images', [{ url: 'u1' }, { url: 'u2' }], [{ url: 'u2' }, { url: 'u1' }])).toBe(false); // gallery order counts
    expect(sameValue('name', null, '')).toBe(false);
    expect(sameValue('name', 'Cafe\u0301', 'Café')).toBe(true);
  });
});

describe('normalizeValue: measures in one unit', () => {
  it('takes 1250 g and 1.25 kg, 30x20x10 cm and 0.3x0.2x0.1 m as the same value, and a different weight as different', () => {
    expect(sameValue('weight', { value: 1250, unit: 'g' }, { value: 1.25, unit: 'kg' })).toBe(true);
    expect(sameValue('dimensions', { length: 30, width: 20, height: 10, unit: 'cm' }, { length: 0.3, width: 0.2, height: 0.1, unit: 'm' })).toBe(true);
    expect(sameValue('weight', { value: 1250, unit: 'g' }, { value: 1.26, unit: 'kg' })).toBe(false);
    expect(sameValue('weight', { value: 1, unit: 'lb' }, { value: 0.45359237, unit: 'kg' })).toBe(true);
    // Something that is not a measure is compared as it is, never thrown on.
    expect(normalizeValue('weight', 'heavy')).toBe('heavy');
  });
});
