// Product mutations: productSet (list replacement), productCreate/Update/Delete and the bulk variant
// mutations, each answering validation problems as userErrors with codes, as Shopify does.
import { gid, parseGid } from '../ids.js';
import {
  createProduct, createVariants, deleteProduct, deleteVariants, setProduct, updateProduct, updateVariants,
} from '../store/product-writes.js';
import { activateInventory, setQuantity } from '../store/inventory-writes.js';
import type { ProductRecord } from '../store/types.js';
import type { GraphQLContext } from './context.js';
import { requireScope } from './context.js';
import type { UserErrorOut, VariantInputResult } from './inputs.js';
import { checkInputSize, productFieldsFrom, variantFrom } from './inputs.js';

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;
const MAX_VARIANTS = 2048;

function productNotFound(field: string[]): UserErrorOut {
  return { field, message: 'Product does not exist', code: 'PRODUCT_DOES_NOT_EXIST' };
}

function applyQuantities(ctx: GraphQLContext, productId: number, results: VariantInputResult[]): void {
  const product = ctx.store.products.get(productId);
  if (!product) return;
  results.forEach((result, i) => {
    const variant = ctx.store.variants.get(product.variantIds[i] ?? -1);
    if (!variant || !result.inventoryQuantities) return;
    for (const q of result.inventoryQuantities) {
      if (q.locationId === null || !ctx.store.locations.has(q.locationId)) continue;
      activateInventory(ctx.store, variant.inventoryItemId, q.locationId);
      setQuantity(ctx.store, variant.inventoryItemId, q.locationId, 'available', q.quantity);
    }
  });
}

function productSet(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productSet');
  const input = args.input as Input;
  const identifier = args.identifier as Input | null | undefined;
  const variantsInput = input.variants as Input[] | null | undefined;
  const userErrors: UserErrorOut[] = [];
  let existing: ProductRecord | undefined;
  const idValue = identifier?.id ?? input.id;
  if (idValue != null) {
    const parsed = parseGid(idValue, 'Product');
    existing = parsed ? ctx.store.products.get(parsed.id) : undefined;
    if (!existing) userErrors.push(productNotFound(identifier?.id != null ? ['identifier', 'id'] : ['input', 'id']));
  } else if (typeof identifier?.handle === 'string') {
    const id = ctx.store.handles.get(identifier.handle);
    existing = id === undefined ? undefined : ctx.store.products.get(id);
  }
  const fields = productFieldsFrom(input);
  if (typeof identifier?.handle === 'string' && fields.handle === undefined) fields.handle = identifier.handle;
  if (!existing && userErrors.length === 0 && !fields.title) {
    userErrors.push({ field: ['input', 'title'], message: "Title can't be blank", code: 'BLANK' });
  }
  if (variantsInput && variantsInput.length > MAX_VARIANTS) {
    userErrors.push({ field: ['input', 'variants'], message: `Can only specify a maximum of ${MAX_VARIANTS} variants`, code: 'VARIANTS_OVER_LIMIT' });
  }
  const variants = (variantsInput ?? []).map((v, i) => variantFrom(v, ['input', 'variants', String(i)]));
  variants.forEach((v, i) => {
    if (v.error) userErrors.push(v.error);
    else if (v.id !== undefined && ctx.store.variants.get(v.id)?.productId !== existing?.id) {
      userErrors.push({ field: ['input', 'variants', String(i), 'id'], message: 'Product variant does not exist', code: 'PRODUCT_VARIANT_DOES_NOT_EXIST' });
    }
  });
  if (userErrors.length > 0) return { product: null, productSetOperation: null, userErrors };
  const product = setProduct(ctx.store, existing?.id, fields,
    variantsInput ? variants.map((v) => ({ ...v.fields, id: v.id })) : undefined);
  if (variantsInput) applyQuantities(ctx, product.id, variants);
  if (args.synchronous === false) {
    // Asynchronous mode hands back an operation to poll with productOperation(id:).
    const op = { id: ctx.session.nextProductOperationId++, productId: product.id, polled: false };
    ctx.session.productOperations.set(op.id, op);
    return { product: null, productSetOperation: op, userErrors: [] };
  }
  return { product, productSetOperation: null, userErrors: [] };
}

function productCreate(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productCreate');
  const input = (args.product ?? args.input ?? {}) as Input;
  const fields = productFieldsFrom(input);
  if (!fields.title) return { product: null, userErrors: [{ field: ['title'], message: "Title can't be blank" }] };
  return { product: createProduct(ctx.store, fields), userErrors: [] };
}

function productUpdate(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productUpdate');
  const input = (args.product ?? args.input ?? {}) as Input;
  const parsed = parseGid(input.id, 'Product');
  const product = parsed ? updateProduct(ctx.store, parsed.id, productFieldsFrom(input)) : undefined;
  if (!product) return { product: null, userErrors: [{ field: ['id'], message: 'Product does not exist' }] };
  return { product, userErrors: [] };
}

function productDelete(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productDelete');
  const id = (args.input as Input).id;
  const parsed = parseGid(id, 'Product');
  if (!parsed || !deleteProduct(ctx.store, parsed.id)) {
    return { deletedProductId: null, userErrors: [{ field: ['id'], message: 'Product does not exist' }] };
  }
  return { deletedProductId: gid('Product', parsed.id), userErrors: [] };
}

function targetProduct(ctx: GraphQLContext, args: Args): ProductRecord | undefined {
  const parsed = parseGid(args.productId, 'Product');
  return parsed ? ctx.store.products.get(parsed.id) : undefined;
}

function productVariantsBulkUpdate(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productVariantsBulkUpdate');
  const inputs = args.variants as Input[];
  checkInputSize(inputs, 'variants');
  const product = targetProduct(ctx, args);
  if (!product) return { product: null, productVariants: null, userErrors: [productNotFound(['productId'])] };
  const userErrors: UserErrorOut[] = [];
  const patches: (VariantInputResult['fields'] & { id: number })[] = [];
  inputs.forEach((input, i) => {
    const path = ['variants', String(i)];
    const v = variantFrom(input, path);
    if (v.error) return void userErrors.push(v.error);
    if (v.id === undefined || ctx.store.variants.get(v.id)?.productId !== product.id) {
      return void userErrors.push({ field: [...path, 'id'], message: 'Product variant does not exist', code: 'PRODUCT_VARIANT_DOES_NOT_EXIST' });
    }
    if (v.inventoryQuantities) {
      // Sic: the code is spelled this way in Shopify's enum.
      return void userErrors.push({ field: [...path, 'inventoryQuantities'], message: 'Inventory quantities can only be provided during create. To update inventory for existing variants, use inventoryAdjustQuantities.', code: 'NO_INVENTORY_QUANTITES_ON_VARIANTS_UPDATE' });
    }
    patches.push({ ...v.fields, id: v.id });
  });
  if (userErrors.length > 0 && args.allowPartialUpdates !== true) return { product, productVariants: null, userErrors };
  const updated = updateVariants(ctx.store, product.id, patches);
  return { product, productVariants: updated, userErrors };
}

function productVariantsBulkCreate(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productVariantsBulkCreate');
  const inputs = args.variants as Input[];
  checkInputSize(inputs, 'variants');
  const product = targetProduct(ctx, args);
  if (!product) return { product: null, productVariants: null, userErrors: [productNotFound(['productId'])] };
  const results = inputs.map((input, i) => variantFrom(input, ['variants', String(i)]));
  const userErrors = results.flatMap((r) => (r.error ? [r.error] : []));
  if (product.variantIds.length + inputs.length > MAX_VARIANTS) {
    userErrors.push({ field: ['variants'], message: `Can only specify a maximum of ${MAX_VARIANTS} variants`, code: 'TOO_MANY_VARIANTS' });
  }
  if (userErrors.length > 0) return { product, productVariants: null, userErrors };
  const standalone = product.variantIds.length === 1 && ctx.store.variants.get(product.variantIds[0] ?? -1)?.title === 'Default Title';
  const created = createVariants(ctx.store, product.id, results.map((r) => r.fields));
  if (args.strategy === 'REMOVE_STANDALONE_VARIANT' && standalone) deleteVariants(ctx.store, product.id, [product.variantIds[0] ?? -1]);
  created.forEach((variant, i) => {
    for (const q of results[i]?.inventoryQuantities ?? []) {
      if (q.locationId === null || !ctx.store.locations.has(q.locationId)) continue;
      activateInventory(ctx.store, variant.inventoryItemId, q.locationId);
      setQuantity(ctx.store, variant.inventoryItemId, q.locationId, 'available', q.quantity);
    }
  });
  return { product, productVariants: created, userErrors: [] };
}

function productVariantsBulkDelete(_r: unknown, args: Args, ctx: GraphQLContext) {
  requireScope(ctx, 'write_products', 'productVariantsBulkDelete');
  const product = targetProduct(ctx, args);
  if (!product) return { product: null, userErrors: [productNotFound(['productId'])] };
  const ids = (args.variantsIds as unknown[]).map((id) => parseGid(id, 'ProductVariant')?.id);
  const userErrors: UserErrorOut[] = [];
  ids.forEach((id, i) => {
    if (id === undefined || ctx.store.variants.get(id)?.productId !== product.id) {
      userErrors.push({ field: ['variantsIds', String(i)], message: 'Product variant does not exist', code: 'AT_LEAST_ONE_VARIANT_DOES_NOT_BELONG_TO_THE_PRODUCT' });
    }
  });
  if (userErrors.length > 0) return { product, userErrors };
  deleteVariants(ctx.store, product.id, ids.filter((id): id is number => id !== undefined));
  return { product, userErrors: [] };
}

export const productMutations = {
  productSet, productCreate, productUpdate, productDelete,
  productVariantsBulkUpdate, productVariantsBulkCreate, productVariantsBulkDelete,
};

export const productOperationResolvers = {
  id: (op: { id: number }) => `gid://shopify/ProductSetOperation/${op.id}`,
  status: (op: { polled: boolean }) => (op.polled ? 'COMPLETE' : 'CREATED'),
  product: (op: { productId: number | null }, _a: unknown, ctx: GraphQLContext) =>
    op.productId === null ? null : (ctx.store.products.get(op.productId) ?? null),
  userErrors: () => [],
};
