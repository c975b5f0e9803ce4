// Field ownership of the bi-directional product sync (DESIGN.md 5.6): which origin may set which product
// field in the hub. Pure data and validation; core/merge.ts applies it.
//
// Vocabulary. An origin is where a change comes from: 'hub' (a merchant's edit through the API/CLI) or a
// platform. Every field has one rule:
//   - owned:  only its owners may set it (commerce fields: the storefronts; ops fields: JTL-FFN);
//   - shared: last write wins among its writers (name, description, images, isActive).
// Both keep a list of `writers`; the hub is always one of them, because a merchant's explicit edit in the
// hub is allowed for every field (it is what conflict resolution writes, too).
//
// eMAG and Printful own nothing by default, not even shared fields: they are sources of their own
// listing only (an eMAG offer price is a marketplace price and must not overwrite the Shopify price; a
// Printful retail price is set for Printful's own store). A tenant who wants them to lead a field says so
// with an override. Until a writer has set a field, though, their values fill it (core/merge.ts rule 1):
// a hub that only knows eMAG's price keeps it rather than nothing, and the first writer's value replaces
// it whatever the clocks, so the result does not depend on which connection was linked first.
import { z } from 'zod';
import { COMMERCE_FIELDS, OPS_FIELDS, Platform, PRODUCT_IDENTITY_FIELDS, type ProductField, SHARED_FIELDS, STOCK_FIELDS, formatIssuePath } from './records.js';

export const ORIGINS = ['hub', ...Platform.options] as const;
export const Origin = z.enum(ORIGINS, {
  error: (issue) => `must be one of ${ORIGINS.join(', ')} (got ${JSON.stringify(issue.input)})`,
});
export type Origin = z.infer<typeof Origin>;

export const PRODUCT_FIELDS: readonly ProductField[] = [...COMMERCE_FIELDS, ...OPS_FIELDS, ...SHARED_FIELDS];
const FIELD_SET: ReadonlySet<string> = new Set(PRODUCT_FIELDS);

export function isProductField(name: string): name is ProductField {
  return FIELD_SET.has(name);
}

/** Platforms that are sources of their own listing only: they are writers of nothing by default. */
export const SOURCE_ONLY: readonly Platform[] = ['emag', 'printful'];

/**
 * The product fields each platform can hold at all (its API has a place for them), used to refuse an
 * override that gives a platform a field it could never send or receive. Native fields only: free-form
 * metadata (Shopify metafields, Woo meta_data, JTL attributes) can hold anything, but a field held there
 * is a connector mapping decision, not a capability. Sources: /work/shared/platforms/*.md section 2/5,
 * and the connectors' mappings in src/connectors/{shopify,emag,printful}/mapping.ts.
 */
export const PLATFORM_FIELDS: Readonly<Record<Platform, readonly ProductField[]>> = {
  // Product: title, descriptionHtml, status, vendor, productType, tags, seo {title, description},
  // media, collections (productSet). Variant: price, compareAtPrice, taxable, sku, barcode.
  // InventoryItem: measurement.weight, harmonizedSystemCode, countryCodeOfOrigin. No dimensions, no
  // manufacturer (vendor is the brand), no warehouse data.
  shopify: [
    'price', 'compareAtPrice', 'taxable', 'seoTitle', 'seoDescription', 'tags', 'collections', 'productType', 'vendor',
    'sku', 'gtin', 'weight', 'customsCode', 'countryOfOrigin',
    'name', 'description', 'images', 'isActive',
  ],
  // wc/v3 product/variation: regular_price/sale_price (compareAtPrice = regular price while on sale),
  // tax_status, tags, categories, sku, global_unique_id (GTIN, WooCommerce >= 9.2), weight, dimensions,
  // name, description, images, status. SEO lives in plugins' meta_data and `type` is structural
  // (simple/variable), not a product type: so no seo*, productType or vendor.
  woocommerce: [
    'price', 'compareAtPrice', 'taxable', 'tags', 'collections',
    'sku', 'gtin', 'dimensions', 'weight',
    'name', 'description', 'images', 'isActive',
  ],
  // v1 sync product/variant: name, retail_price, sku, is_ignored, product image/files. Nothing else is
  // writable on a sync variant (no description, no barcode, no warehouse data).
  printful: ['price', 'sku', 'name', 'images', 'isActive'],
  // product_offer: sale_price, recommended_price (> sale_price: the "was" price), part_number, ean[],
  // status; product documentation: name, description, images; measurements/save: size and weight.
  emag: ['price', 'compareAtPrice', 'sku', 'gtin', 'dimensions', 'weight', 'name', 'description', 'images', 'isActive'],
  // Merchant Product: name, merchantSku, identifier.ean, dimensions, weight, specifications (unNumber /
  // hazardIdentifier -> hazmat, taric -> customsCode), originCountry, manufacturer, note, pictures,
  // netRetailPrice. Storage locations and reorder thresholds are the fulfiller's and the hub's, not
  // fields of the merchant product; `isPackaging` marks packaging material, it is not our `packaging`.
  'jtl-ffn': [
    'price', 'sku', 'gtin', 'dimensions', 'weight', 'hazmat', 'warehouseNotes', 'customsCode', 'countryOfOrigin', 'manufacturer',
    'name', 'images',
  ],
};

/**
 * Where the hub's stock comes from (DESIGN.md 5.6): a merchant's edit in the hub and the JTL-FFN
 * warehouses. A level any other platform reports is what that channel shows; it is stored for reading,
 * never pushed, and a change of it after our push is refused and re-asserted by the next push.
 */
export const STOCK_AUTHORITIES: readonly Origin[] = ['hub', 'jtl-ffn'];

export function isStockAuthority(origin: string): boolean {
  return (STOCK_AUTHORITIES as readonly string[]).includes(origin);
}

export function canHold(origin: Origin, field: ProductField): boolean {
  return origin === 'hub' || PLATFORM_FIELDS[origin].includes(field);
}

export type FieldMode = 'owned' | 'shared';

/** The resolved rule of one field. `writers` always contains 'hub' and is in ORIGINS order. */
export interface FieldRule {
  readonly mode: FieldMode;
  readonly writers: readonly Origin[];
}

/** The resolved ownership of one tenant: a rule for every product field. */
export type Ownership = { readonly [F in ProductField]: FieldRule };

/** The hub plus `origins`, deduplicated, in ORIGINS order (so equal rules compare equal). */
function writerList(origins: readonly Origin[]): readonly Origin[] {
  const set = new Set<Origin>(['hub', ...origins]);
  return Object.freeze(ORIGINS.filter((o) => set.has(o)));
}

/** Default writers of a shared field: every platform that can hold it, except the source-only ones. */
function defaultSharedWriters(field: ProductField): readonly Origin[] {
  return writerList(Platform.options.filter((p) => !SOURCE_ONLY.includes(p) && canHold(p, field)));
}

const owned = (field: ProductField, owners: readonly Origin[]): FieldRule =>
  // A default owner that cannot hold the field (Woo has no vendor) is dropped, so the defaults pass the
  // same capability check as an override.
  Object.freeze({ mode: 'owned', writers: writerList(owners.filter((o) => canHold(o, field))) });

/**
 * DESIGN 5.6 defaults. Commerce fields: Shopify, WooCommerce and the hub. Ops fields: the hub and
 * JTL-FFN. Shared fields: last write wins among the hub and every non-source-only platform holding them.
 */
export const DEFAULT_OWNERSHIP: Ownership = Object.freeze(
  Object.fromEntries([
    ...COMMERCE_FIELDS.map((f) => [f, owned(f, ['hub', 'shopify', 'woocommerce'])]),
    ...OPS_FIELDS.map((f) => [f, owned(f, ['hub', 'jtl-ffn'])]),
    ...SHARED_FIELDS.map((f) => [f, Object.freeze({ mode: 'shared', writers: defaultSharedWriters(f) })]),
  ]) as Ownership,
);

// ---------------------------------------------------------------------------------------------------------
// Tenant overrides: the body of `PUT /api/v1/field-ownership`.

const RULE_SHAPE = 'must be {"mode":"owned","owners":[...]} or {"mode":"shared","writers"?:[...]}';

/**
 * One field's override. `owners`/`writers` need not list 'hub' (it is always a writer). `owners: []`
 * makes a field hub-only. A shared rule without `writers` takes the default shared writers.
 */
export const FieldRuleOverride = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('owned'), owners: z.array(Origin).max(ORIGINS.length * 2) }),
    z.strictObject({ mode: z.literal('shared'), writers: z.array(Origin).max(ORIGINS.length * 2).optional() }),
  ],
  { error: RULE_SHAPE },
);
export type FieldRuleOverride = z.infer<typeof FieldRuleOverride>;

const IDENTITY_SET: ReadonlySet<string> = new Set(PRODUCT_IDENTITY_FIELDS);
const STOCK_SET: ReadonlySet<string> = new Set(STOCK_FIELDS);

function unknownFieldMessage(name: string): string {
  if (STOCK_SET.has(name)) return `${name} is a stock field, not a product field: stock is set by the hub and JTL-FFN only`;
  if (IDENTITY_SET.has(name)) return `${name} identifies a record and has no owner`;
  return `unknown product field "${name}"; known fields: ${PRODUCT_FIELDS.join(', ')}`;
}

/**
 * A tenant's override document: `{ [field]: rule }`, only the fields that differ from the defaults.
 * Checks, besides the shape: every key is a product field, and every platform named can hold the field.
 */
export const FieldOwnershipOverrides = z.record(z.string(), FieldRuleOverride).superRefine(
  (doc, ctx) => {
    for (const [name, rule] of Object.entries(doc as Record<string, unknown>)) {
      if (!isProductField(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: unknownFieldMessage(name) });
        continue;
      }
      // The rule may itself be malformed (reported by its own schema); check what is readable.
      const r = (typeof rule === 'object' && rule !== null ? rule : {}) as { owners?: unknown; writers?: unknown };
      const key = Array.isArray(r.owners) ? 'owners' : 'writers';
      const list: unknown = r[key];
      if (!Array.isArray(list)) continue;
      list.forEach((origin, i) => {
        const parsed = Origin.safeParse(origin);
        if (parsed.success && !canHold(parsed.data, name)) {
          const held = PLATFORM_FIELDS[parsed.data as Platform].join(', ');
          ctx.addIssue({ code: 'custom', path: [name, key, i], message: `${parsed.data} cannot hold ${name} (${parsed.data} holds: ${held})` });
        }
      });
    }
  },
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
);
export type FieldOwnershipOverrides = z.infer<typeof FieldOwnershipOverrides>;

export type ResolveOwnershipResult = { ok: true; ownership: Ownership } | { ok: false; issues: string[] };

/**
 * The tenant's ownership: the defaults with its overrides applied. `null`/`undefined` = no overrides.
 * Never throws; issues read `path: message`, e.g. `storageLocation.owners[0]: printful cannot hold ...`.
 */
export function resolveOwnership(overrides: unknown): ResolveOwnershipResult {
  if (overrides === null || overrides === undefined) return { ok: true, ownership: DEFAULT_OWNERSHIP };
  let parsed: ReturnType<typeof FieldOwnershipOverrides.safeParse>;
  try {
    parsed = FieldOwnershipOverrides.safeParse(overrides);
  } catch (err) {
    return { ok: false, issues: [`(document): unreadable: ${err instanceof Error ? err.message : String(err)}`] };
  }
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => `${formatIssuePath(i.path) || '(document)'}: ${i.message}`) };
  }
  const rules: Record<string, FieldRule> = { ...DEFAULT_OWNERSHIP };
  for (const [name, rule] of Object.entries(parsed.data)) {
    const field = name as ProductField; // checked by the schema
    rules[field] = Object.freeze(
      rule.mode === 'owned'
        ? { mode: 'owned' as const, writers: writerList(rule.owners) }
        : { mode: 'shared' as const, writers: rule.writers ? writerList(rule.writers) : defaultSharedWriters(field) },
    );
  }
  return { ok: true, ownership: Object.freeze(rules as Ownership) };
}

/** True when `origin` is an owner of an owned field (shared fields have writers, not owners). */
export function owns(ownership: Ownership, field: ProductField, origin: string): boolean {
  const rule = ownership[field];
  return rule.mode === 'owned' && (rule.writers as readonly string[]).includes(origin);
}

export function isShared(ownership: Ownership, field: ProductField): boolean {
  return ownership[field].mode === 'shared';
}

/** True when a change of `field` from `origin` may be applied: an owner, or a writer of a shared field. */
export function canWrite(ownership: Ownership, field: ProductField, origin: string): boolean {
  return (ownership[field].writers as readonly string[]).includes(origin);
}
