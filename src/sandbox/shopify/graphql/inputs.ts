// Conversions from GraphQL mutation inputs to store writes, and the shared input checks.
import { GraphQLError } from 'graphql';
import { parseGid } from '../ids.js';
import { normaliseMoney } from '../store/money.js';
import type { ProductFields, VariantFields } from '../store/product-writes.js';
import type { InventoryPolicy, ProductStatus, SelectedOption } from '../store/types.js';

export const MAX_INPUT_ARRAY = 250;

export interface UserErrorOut {
  field: string[] | null;
  message: string;
  code?: string | null;
}

/** Input arrays are capped at 250 items; over it Shopify rejects the whole request. */
export function checkInputSize(list: readonly unknown[] | null | undefined, argument: string): void {
  if (list && list.length > MAX_INPUT_ARRAY) {
    throw new GraphQLError(`The input array size of ${list.length} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`, {
      extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED', argument },
    });
  }
}

type Input = Record<string, unknown>;

export function productFieldsFrom(input: Input): ProductFields {
  const fields: ProductFields = {};
  if (typeof input.title === 'string') fields.title = input.title;
  if (typeof input.handle === 'string') fields.handle = input.handle;
  if (typeof input.status === 'string') fields.status = input.status as ProductStatus;
  if (typeof input.vendor === 'string') fields.vendor = input.vendor;
  if (typeof input.productType === 'string') fields.productType = input.productType;
  if (Array.isArray(input.tags)) fields.tags = input.tags.map(String);
  if (typeof input.descriptionHtml === 'string') fields.descriptionHtml = input.descriptionHtml;
  if (Array.isArray(input.productOptions)) {
    fields.options = (input.productOptions as Input[]).map((o) => ({
      name: String(o.name ?? ''),
      values: Array.isArray(o.values) ? (o.values as Input[]).map((v) => String(v.name ?? '')) : [],
    }));
  }
  return fields;
}

export interface VariantInputResult {
  id?: number;
  fields: VariantFields;
  error?: UserErrorOut;
  inventoryQuantities?: { locationId: number | null; quantity: number }[];
}

/** ProductVariantSetInput / ProductVariantsBulkInput -> store fields; `path` locates errors in the input. */
export function variantFrom(input: Input, path: string[]): VariantInputResult {
  const fields: VariantFields = {};
  const result: VariantInputResult = { fields };
  if (input.id != null) {
    const parsed = parseGid(input.id, 'ProductVariant');
    if (!parsed) return { fields, error: { field: [...path, 'id'], message: 'Invalid id', code: 'INVALID' } };
    result.id = parsed.id;
  }
  for (const key of ['price', 'compareAtPrice'] as const) {
    if (input[key] === undefined) continue;
    if (input[key] === null) {
      if (key === 'price') return { fields, error: { field: [...path, key], message: "Price can't be blank", code: 'INVALID' } };
      fields.compareAtPrice = null;
      continue;
    }
    const money = normaliseMoney(input[key]);
    if (money === undefined || money.startsWith('-')) {
      return { fields, error: { field: [...path, key], message: `${key === 'price' ? 'Price' : 'Compare at price'} must be greater than or equal to 0`, code: 'GREATER_THAN_OR_EQUAL_TO' } };
    }
    fields[key] = money;
  }
  if (input.barcode !== undefined) fields.barcode = input.barcode === null ? null : String(input.barcode);
  if (typeof input.taxable === 'boolean') fields.taxable = input.taxable;
  if (typeof input.inventoryPolicy === 'string') fields.inventoryPolicy = input.inventoryPolicy as InventoryPolicy;
  if (input.sku !== undefined) fields.sku = input.sku === null ? null : String(input.sku);
  const item = input.inventoryItem as Input | null | undefined;
  if (item) {
    if (item.sku !== undefined) fields.sku = item.sku === null ? null : String(item.sku);
    if (typeof item.tracked === 'boolean') fields.tracked = item.tracked;
  }
  if (Array.isArray(input.optionValues)) {
    fields.selectedOptions = (input.optionValues as Input[]).map((o): SelectedOption => ({
      name: String(o.optionName ?? 'Title'), value: String(o.name ?? ''),
    }));
  }
  const quantities = (input.inventoryQuantities as Input[] | null | undefined) ?? undefined;
  if (quantities) {
    result.inventoryQuantities = quantities.map((q) => ({
      locationId: parseGid(q.locationId, 'Location')?.id ?? null,
      quantity: Number(q.availableQuantity ?? q.quantity ?? 0),
    }));
  }
  return result;
}
