// Field resolvers of the object types: derive the wire shape (GIDs, ISO timestamps, Money strings,
// MoneyBag wrappers, version-dependent enum values) from the store's plain records.
import { GraphQLError } from 'graphql';
import { gid, inventoryLevelGid, isoSeconds } from '../ids.js';
import { addressName, countryName } from '../store/addresses.js';
import { totalAvailable } from '../store/inventory-writes.js';
import { customerOrderStats } from '../store/order-customer-writes.js';
import type {
  CustomerRecord, InventoryItemRecord, InventoryLevelRecord, LineItemRecord, LocationRecord, MailingAddressRecord, OrderRecord,
  ProductRecord, QuantityName, VariantRecord,
} from '../store/types.js';
import { QUANTITY_NAMES } from '../store/types.js';
import { fromCents, toCents } from '../store/money.js';
import type { ConnectionArgs } from './connection.js';
import { connectionOf } from './connection.js';
import type { GraphQLContext } from './context.js';

type FieldResolver<T> = (record: T, args: Record<string, unknown>, ctx: GraphQLContext) => unknown;
export type TypeResolvers = Record<string, Record<string, FieldResolver<never>>>;

/** Shopify's Decimal drops trailing zeros but keeps one decimal: "10.0", "29.9", "29.99". */
export function decimal(amount: string): string {
  const [whole, frac = ''] = amount.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${whole}.${trimmed || '0'}`;
}

function moneyBag(amount: string, currencyCode: string) {
  const money = { amount: decimal(amount), currencyCode };
  return { shopMoney: money, presentmentMoney: money };
}

const timestamps = {
  createdAt: (r: { createdAt: number }) => isoSeconds(r.createdAt),
  updatedAt: (r: { updatedAt: number }) => isoSeconds(r.updatedAt),
};

function byPosition(ids: number[]): Map<number, number> {
  return new Map(ids.map((id, i) => [id, i + 1]));
}

/**
 * A connection nested in an object. Under the `nestedPageLoop` fault a page asked for after a cursor is
 * the first page again, still saying more follows (a bulk export, which ignores cursors, is not affected).
 */
function nestedConnection<T>(sorted: readonly T[], keyOf: Parameters<typeof connectionOf<T>>[1], args: ConnectionArgs, ctx: GraphQLContext) {
  if (!ctx.faults.current.nestedPageLoop || args.after == null || ctx.unbounded) return connectionOf(sorted, keyOf, args, ctx);
  const conn = connectionOf(sorted, keyOf, { ...args, after: null }, ctx);
  return { ...conn, pageInfo: { ...conn.pageInfo, hasNextPage: true } };
}

const product: Record<string, FieldResolver<ProductRecord>> = {
  id: (r) => gid('Product', r.id),
  legacyResourceId: (r) => String(r.id),
  status: (r, _a, ctx) => (r.status === 'UNLISTED' && !ctx.features.unlistedStatus ? 'ACTIVE' : r.status),
  description: (r) => r.descriptionHtml.replace(/<[^>]*>/g, ''),
  publishedAt: (r) => (r.status === 'ACTIVE' ? isoSeconds(r.createdAt) : null),
  totalInventory: (r, _a, ctx) => r.variantIds.reduce((sum, id) => {
    const v = ctx.store.variants.get(id);
    return sum + (v ? totalAvailable(ctx.store, v.inventoryItemId) : 0);
  }, 0),
  options: (r, args) => r.options.slice(0, (args.first as number | null) ?? undefined).map((o, i) => ({
    id: `gid://shopify/ProductOption/${r.id * 10 + i + 1}`, name: o.name, position: i + 1, values: o.values,
  })),
  variants: (r, args, ctx) => {
    const variants = r.variantIds.map((id) => ctx.store.variants.get(id)).filter((v): v is VariantRecord => v !== undefined);
    const byId = args.sortKey === 'ID';
    const position = byPosition(r.variantIds);
    const sorted = byId ? [...variants].sort((a, b) => a.id - b.id) : variants;
    return nestedConnection(sorted, (v) => ({ lastId: v.id, lastValue: byId ? v.id : (position.get(v.id) ?? 0) }), args as ConnectionArgs, ctx);
  },
  variantsCount: (r) => ({ count: r.variantIds.length, precision: 'EXACT' }),
  ...timestamps,
};

const variant: Record<string, FieldResolver<VariantRecord>> = {
  id: (r) => gid('ProductVariant', r.id),
  legacyResourceId: (r) => String(r.id),
  displayName: (r, _a, ctx) => `${ctx.store.products.get(r.productId)?.title ?? ''} - ${r.title}`,
  position: (r, _a, ctx) => (ctx.store.products.get(r.productId)?.variantIds.indexOf(r.id) ?? -1) + 1,
  inventoryQuantity: (r, _a, ctx) => totalAvailable(ctx.store, r.inventoryItemId),
  product: (r, _a, ctx) => ctx.store.products.get(r.productId),
  inventoryItem: (r, _a, ctx) => ctx.store.inventoryItems.get(r.inventoryItemId),
  ...timestamps,
};

const inventoryItem: Record<string, FieldResolver<InventoryItemRecord>> = {
  id: (r) => gid('InventoryItem', r.id),
  legacyResourceId: (r) => String(r.id),
  sku: (r, _a, ctx) => ctx.store.variants.get(r.variantId)?.sku ?? null,
  variant: (r, _a, ctx) => ctx.store.variants.get(r.variantId),
  inventoryLevels: (r, args, ctx) => {
    const levels = [...r.levels.values()].sort((a, b) => a.id - b.id);
    return nestedConnection(levels, (l) => ({ lastId: l.id, lastValue: l.id }), args as ConnectionArgs, ctx);
  },
  inventoryLevel: (r, args) => {
    const match = /\/Location\/(\d+)/.exec(String(args.locationId));
    return match ? (r.levels.get(Number(match[1])) ?? null) : null;
  },
  ...timestamps,
};

const inventoryLevel: Record<string, FieldResolver<InventoryLevelRecord>> = {
  id: (r) => inventoryLevelGid(r.id, r.inventoryItemId),
  location: (r, _a, ctx) => ctx.store.locations.get(r.locationId),
  item: (r, _a, ctx) => ctx.store.inventoryItems.get(r.inventoryItemId),
  canDeactivate: () => true,
  quantities: (r, args) => (args.names as string[]).map((name) => {
    if (!QUANTITY_NAMES.includes(name as QuantityName)) {
      throw new GraphQLError(`The quantity name '${name}' is not valid. Valid names: ${QUANTITY_NAMES.join(', ')}.`);
    }
    return {
      id: `gid://shopify/InventoryQuantity/${r.id}?inventory_item_id=${r.inventoryItemId}&name=${name}`,
      name, quantity: r.quantities[name as QuantityName], updatedAt: isoSeconds(r.updatedAt),
    };
  }),
  ...timestamps,
};

const location: Record<string, FieldResolver<LocationRecord>> = {
  id: (r) => gid('Location', r.id),
  legacyResourceId: (r) => String(r.id),
  ...timestamps,
};

function lineResolvers(): Record<string, FieldResolver<LineItemRecord>> {
  return {
    id: (r) => gid('LineItem', r.id),
    currentQuantity: (r) => r.quantity,
    originalUnitPriceSet: (r) => moneyBag(r.price, currencyOfLine(r)),
    originalTotalSet: (r) => moneyBag(fromCents(toCents(r.price) * r.quantity), currencyOfLine(r)),
    // A deleted variant or product leaves the line with null references, as on Shopify.
    variant: (r, _a, ctx) => (r.variantId === null ? null : (ctx.store.variants.get(r.variantId) ?? null)),
    product: (r, _a, ctx) => (r.productId === null ? null : (ctx.store.products.get(r.productId) ?? null)),
  };
}

/** Line items do not carry their currency; the order that owns them does. */
const lineCurrency = new WeakMap<LineItemRecord, string>();
function currencyOfLine(line: LineItemRecord): string {
  return lineCurrency.get(line) ?? 'EUR';
}

const order: Record<string, FieldResolver<OrderRecord>> = {
  id: (r) => gid('Order', r.id),
  legacyResourceId: (r) => String(r.id),
  processedAt: (r) => isoSeconds(r.processedAt),
  cancelledAt: (r) => (r.cancelledAt === null ? null : isoSeconds(r.cancelledAt)),
  closedAt: (r) => (r.closedAt === null ? null : isoSeconds(r.closedAt)),
  closed: (r) => r.closedAt !== null,
  cancelReason: (r) => (r.cancelledAt === null ? null : 'CUSTOMER'),
  displayFinancialStatus: (r) => r.financialStatus,
  displayFulfillmentStatus: (r) => r.fulfillmentStatus,
  presentmentCurrencyCode: (r) => r.currencyCode,
  customAttributes: () => [],
  totalPriceSet: (r) => moneyBag(r.total, r.currencyCode),
  subtotalPriceSet: (r) => moneyBag(r.subtotal, r.currencyCode),
  totalTaxSet: (r) => moneyBag(r.totalTax, r.currencyCode),
  customer: (r, _a, ctx) => (r.customerId === null ? null : (ctx.store.customers.get(r.customerId) ?? null)),
  shippingAddress: (r) => r.shippingAddress,
  lineItems: (r, args, ctx) => {
    for (const line of r.lines) lineCurrency.set(line, r.currencyCode);
    return nestedConnection(r.lines, (l) => ({ lastId: l.id, lastValue: l.id }), args as ConnectionArgs, ctx);
  },
  ...timestamps,
};

const mailingAddress: Record<string, FieldResolver<MailingAddressRecord>> = {
  name: (r) => addressName(r),
  country: (r) => countryName(r.countryCode),
  countryCodeV2: (r) => r.countryCode,
  countryCode: (r) => r.countryCode,
};

const customer: Record<string, FieldResolver<CustomerRecord>> = {
  id: (r) => gid('Customer', r.id),
  legacyResourceId: (r) => String(r.id),
  displayName: (r) => [r.firstName, r.lastName].filter(Boolean).join(' ') || r.email || '',
  defaultEmailAddress: (r) => (r.email ? { emailAddress: r.email, marketingState: 'NOT_SUBSCRIBED' } : null),
  defaultPhoneNumber: (r) => (r.phone ? { phoneNumber: r.phone } : null),
  numberOfOrders: (r, _a, ctx) => String(customerOrderStats(ctx.store, r.id).count),
  amountSpent: (r, _a, ctx) => ({ amount: decimal(customerOrderStats(ctx.store, r.id).spent), currencyCode: 'EUR' }),
  ...timestamps,
};

const shop: Record<string, FieldResolver<{ id: string }>> = {
  name: (_r, _a, ctx) => ctx.options.shop.replace(/\.myshopify\.com$/, '').split('-').map((w) => w[0]?.toUpperCase() + w.slice(1)).join(' '),
  myshopifyDomain: (_r, _a, ctx) => ctx.options.shop,
  email: (_r, _a, ctx) => `owner@${ctx.options.shop}`,
  currencyCode: () => 'EUR',
  ianaTimezone: () => 'Etc/UTC',
};

export const typeResolvers = {
  Shop: shop, Product: product, ProductVariant: variant, InventoryItem: inventoryItem, InventoryLevel: inventoryLevel,
  Location: location, LineItem: lineResolvers(), Order: order, MailingAddress: mailingAddress, Customer: customer,
} as unknown as TypeResolvers;
