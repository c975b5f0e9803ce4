// Request bodies of the control API. Ids may be numeric legacy ids or Admin API GIDs.
import { z } from 'zod';
import { FaultConfigSchema } from '../faults.js';
import { isCountryCode } from '../store/addresses.js';
import { normaliseMoney } from '../store/money.js';

export const IdInput = z.union([z.number().int().positive(), z.string().min(1)]);
const Money = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const money = normaliseMoney(value);
  if (money === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a decimal amount like "12.50"' });
    return z.NEVER;
  }
  return money;
});
const Tags = z.union([z.array(z.string()), z.string()]).transform((t) => (typeof t === 'string' ? t.split(',') : t));

const VariantFields = z.strictObject({
  title: z.string().optional(),
  sku: z.string().nullable().optional(),
  barcode: z.string().nullable().optional(),
  price: Money.optional(),
  compareAtPrice: Money.nullable().optional(),
  taxable: z.boolean().optional(),
  inventoryPolicy: z.enum(['DENY', 'CONTINUE']).optional(),
  tracked: z.boolean().optional(),
});

const ProductFields = {
  title: z.string().min(1).optional(),
  handle: z.string().min(1).optional(),
  status: z.enum(['ACTIVE', 'ARCHIVED', 'DRAFT', 'UNLISTED']).optional(),
  vendor: z.string().optional(),
  productType: z.string().optional(),
  tags: Tags.optional(),
  descriptionHtml: z.string().optional(),
};

export const ProductCreateBody = z.strictObject({
  ...ProductFields,
  title: z.string().min(1),
  variants: z.array(VariantFields).max(2048).optional(),
});

/** A merchant edit: product fields, and variant fields either for the first variant or per variant id. */
export const ProductEditBody = z.strictObject({
  ...ProductFields,
  ...VariantFields.shape,
  variants: z.array(VariantFields.extend({ id: IdInput })).optional(),
});

/** Shopify's MailingAddressInput, plus the `province` name. */
export const MailingAddressBody = z.strictObject({
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  company: z.string().nullable().optional(),
  address1: z.string().nullable().optional(),
  address2: z.string().nullable().optional(),
  city: z.string().nullable().optional(),
  zip: z.string().nullable().optional(),
  province: z.string().nullable().optional(),
  provinceCode: z.string().nullable().optional(),
  countryCode: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine(isCountryCode, { message: 'must be a CountryCode like "DE"' })
    .nullable()
    .optional(),
  phone: z.string().nullable().optional(),
});

export const OrderFieldsBody = z.strictObject({
  email: z.string().nullable().optional(),
  customerId: IdInput.nullable().optional(),
  /** Omitted on creation: a plausible address from the customer; null: no shipping address. */
  shippingAddress: MailingAddressBody.nullable().optional(),
  financialStatus: z.enum(['AUTHORIZED', 'PAID', 'PARTIALLY_PAID', 'PARTIALLY_REFUNDED', 'PENDING', 'REFUNDED', 'VOIDED', 'EXPIRED']).optional(),
  fulfillmentStatus: z.enum(['FULFILLED', 'IN_PROGRESS', 'ON_HOLD', 'OPEN', 'PARTIALLY_FULFILLED', 'UNFULFILLED']).optional(),
  tags: Tags.optional(),
  note: z.string().nullable().optional(),
  currencyCode: z.string().regex(/^[A-Z]{3}$/).optional(),
  cancelled: z.boolean().optional(),
  closed: z.boolean().optional(),
});

export const OrderCreateBody = OrderFieldsBody.extend({
  lines: z.array(z.strictObject({ variantId: IdInput, quantity: z.number().int().positive(), price: Money.optional() })).min(1),
});

export const CustomerBody = z.strictObject({
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  tags: Tags.optional(),
  state: z.enum(['DISABLED', 'INVITED', 'ENABLED', 'DECLINED']).optional(),
  note: z.string().nullable().optional(),
});

export const InventoryBody = z.strictObject({
  inventoryItemId: IdInput,
  locationId: IdInput.optional(),
  // Negative: oversold stock, as orders on CONTINUE-policy variants leave it.
  available: z.number().int().min(-1_000_000_000).max(1_000_000_000),
});

export const SeedBody = z.strictObject({
  products: z.number().int().min(0).max(1_000_000).optional(),
  variantsPerProduct: z.number().int().min(1).max(2048).optional(),
  variantCounts: z.array(z.number().int().min(1).max(2048)).max(10_000).optional(),
  skuLessRate: z.number().min(0).max(1).optional(),
  negativeStockRate: z.number().min(0).max(1).optional(),
  orders: z.number().int().min(0).max(2_000_000).optional(),
  linesPerOrder: z.number().int().min(1).max(250).optional(),
  customers: z.number().int().min(0).max(1_000_000).optional(),
  locations: z.number().int().min(1).max(100).optional(),
  seed: z.number().int().optional(),
  baseTime: z.iso.datetime({ offset: true }).optional(),
});

export const FaultsBody = FaultConfigSchema.partial();
export const TimeBody = z.strictObject({ timeScale: z.number().positive().max(1_000_000) });
export const BucketBody = z.strictObject({
  maximumAvailable: z.number().positive().optional(),
  restoreRate: z.number().positive().optional(),
  currentlyAvailable: z.number().min(0).optional(),
});
export const WebhookBody = z.strictObject({
  topic: z.string().min(1),
  address: z.url(),
  includeFields: z.array(z.string()).optional(),
  filter: z.string().optional(),
  apiVersion: z.string().optional(),
});

export type ProductCreateInput = z.input<typeof ProductCreateBody>;
export type ProductEditInput = z.input<typeof ProductEditBody>;
export type OrderCreateInput = z.input<typeof OrderCreateBody>;
export type OrderEditInput = z.input<typeof OrderFieldsBody>;
export type MailingAddressInput = z.input<typeof MailingAddressBody>;
export type MailingAddressFields = z.output<typeof MailingAddressBody>;
export type CustomerInput = z.input<typeof CustomerBody>;
export type InventoryInput = z.input<typeof InventoryBody>;
export type WebhookInput = z.input<typeof WebhookBody>;
