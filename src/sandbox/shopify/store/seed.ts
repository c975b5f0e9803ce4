// Deterministic shop data of any size: the same seed and counts always give the same records (ids,
// names, prices, timestamps), so tests and benchmarks can compare runs. Timestamps spread over the year
// before `baseTime` at second precision, so some records share an updatedAt, as real shops do.
import { SeededRandom } from '../../common/random.js';
import { floorToSecond } from '../ids.js';
import type { ShopifyStore } from './store.js';
import { createProduct, stockAt } from './product-writes.js';
import { createCustomer, createOrder } from './order-customer-writes.js';
import type { FinancialStatus, FulfillmentStatus, LocationRecord, SelectedOption } from './types.js';

export interface SeedSpec {
  products?: number;
  variantsPerProduct?: number;
  /** Variant counts of the first products, in order (e.g. [1, 20, 21, 250, 2048]); the rest use variantsPerProduct. */
  variantCounts?: number[];
  /** Share of variants without a SKU (half null, half empty), as real shops have many. Default 0. */
  skuLessRate?: number;
  /** Share of inventory levels with negative available stock (oversold). Default 0. */
  negativeStockRate?: number;
  orders?: number;
  linesPerOrder?: number;
  customers?: number;
  locations?: number;
  seed?: number;
  /** ISO date-time the generated history ends at; default 2025-01-01T00:00:00Z. */
  baseTime?: string;
}

export interface SeedResult {
  products: number;
  variants: number;
  orders: number;
  lineItems: number;
  customers: number;
  locations: number;
}

const ADJECTIVES = ['Classic', 'Organic', 'Vintage', 'Modern', 'Rustic', 'Sleek', 'Cozy', 'Bold', 'Urban', 'Alpine', 'Coastal', 'Midnight'];
const NOUNS = ['T-Shirt', 'Hoodie', 'Mug', 'Poster', 'Tote Bag', 'Cap', 'Notebook', 'Candle', 'Blanket', 'Sticker', 'Backpack', 'Socks'];
const VENDORS = ['Acme Goods', 'Northwind', 'Blue Harbor', 'Fjord & Co', 'Studio Nine'];
const TYPES = ['Apparel', 'Home', 'Accessories', 'Stationery', 'Gifts'];
const TAGS = ['summer', 'sale', 'new', 'bestseller', 'eco', 'limited', 'gift'];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL', '4XL'];
const FIRST = ['Ana', 'Ben', 'Carla', 'David', 'Elena', 'Felix', 'Greta', 'Hugo', 'Ioana', 'Jonas', 'Klara', 'Luca', 'Mara', 'Nils'];
const LAST = ['Popescu', 'Schmidt', 'Rossi', 'Novak', 'Berg', 'Lindqvist', 'Dubois', 'Ionescu', 'Keller', 'Moreau'];
const CITIES = ['Berlin', 'Bucharest', 'Vienna', 'Lyon', 'Oslo', 'Milan'];
const DAY = 86_400_000;

function pickTags(rng: SeededRandom): string[] {
  const tags = new Set<string>();
  const count = rng.int(0, 3);
  while (tags.size < count) tags.add(rng.pick(TAGS));
  return [...tags].sort();
}

function price(rng: SeededRandom): string {
  return `${rng.int(4, 199)}.${rng.pick(['00', '50', '95', '99'])}`;
}

function variantOptions(count: number, index: number): SelectedOption[] {
  if (count === 1) return [{ name: 'Title', value: 'Default Title' }];
  return [{ name: 'Size', value: SIZES[index] ?? `Size ${index + 1}` }];
}

function addLocations(store: ShopifyStore, count: number, at: number): LocationRecord[] {
  const created: LocationRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const location: LocationRecord = {
      id: store.nextId('location'), name: i === 0 ? 'Main warehouse' : `${CITIES[i % CITIES.length] ?? 'Store'} ${i}`,
      isActive: true, createdAt: at, updatedAt: at,
    };
    store.locations.set(location.id, location);
    created.push(location);
  }
  store.changed('locations');
  return created;
}

/** Replaces the shop's data with generated records. No webhooks are sent for seeded records. */
export function seedStore(store: ShopifyStore, spec: SeedSpec): SeedResult {
  const rng = new SeededRandom(spec.seed ?? 42);
  const base = floorToSecond(Date.parse(spec.baseTime ?? '2025-01-01T00:00:00Z'));
  const yearAgo = base - 365 * DAY;
  const at = (from: number) => floorToSecond(from + rng.next() * (base - from));
  store.reset();
  const locations = addLocations(store, Math.max(1, spec.locations ?? 1), yearAgo);

  const variantIds: number[] = [];
  const productCount = Math.max(spec.products ?? 0, spec.variantCounts?.length ?? 0);
  for (let p = 0; p < productCount; p += 1) {
    const variantsPer = Math.max(1, Math.min(2048, spec.variantCounts?.[p] ?? spec.variantsPerProduct ?? 1));
    const createdAt = at(yearAgo);
    const title = `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${p + 1}`;
    const variants = Array.from({ length: variantsPer }, (_, v) => ({
      sku: spec.skuLessRate && rng.chance(spec.skuLessRate) ? (rng.chance(0.5) ? null : '') : `SKU-${String(p + 1).padStart(5, '0')}-${v + 1}`,
      barcode: String(4_000_000_000_000 + p * 100 + v),
      price: price(rng), compareAtPrice: rng.chance(0.2) ? '249.00' : null, taxable: true,
      inventoryPolicy: rng.chance(0.1) ? ('CONTINUE' as const) : ('DENY' as const),
      selectedOptions: variantOptions(variantsPer, v),
    }));
    const product = createProduct(store, {
      title, vendor: rng.pick(VENDORS), productType: rng.pick(TYPES), tags: pickTags(rng),
      status: rng.chance(0.9) ? 'ACTIVE' : rng.pick(['DRAFT', 'ARCHIVED'] as const),
      descriptionHtml: `<p>${title}, made with care.</p>`,
      options: variantsPer === 1 ? undefined : [{ name: 'Size', values: variants.map((v) => v.selectedOptions[0]?.value ?? '') }],
    }, variants, { at: createdAt, silent: true });
    product.updatedAt = at(createdAt);
    for (const variantId of product.variantIds) {
      variantIds.push(variantId);
      const variant = store.variants.get(variantId);
      if (!variant) continue;
      variant.updatedAt = product.updatedAt;
      for (const location of locations) {
        const level = stockAt(store, variant.inventoryItemId, location.id);
        level.quantities.available = spec.negativeStockRate && rng.chance(spec.negativeStockRate) ? -rng.int(1, 20) : rng.int(0, 100);
        level.quantities.on_hand = level.quantities.available;
      }
    }
  }

  const customerIds: number[] = [];
  for (let c = 0; c < (spec.customers ?? 0); c += 1) {
    const firstName = rng.pick(FIRST);
    const lastName = rng.pick(LAST);
    const createdAt = at(yearAgo);
    const customer = createCustomer(store, {
      firstName, lastName, email: `${firstName}.${lastName}.${c + 1}@example.com`.toLowerCase(),
      phone: rng.chance(0.6) ? `+4915${String(10_000_000 + c).padStart(8, '0')}` : null,
      tags: pickTags(rng), state: rng.chance(0.3) ? 'ENABLED' : 'DISABLED',
    }, { at: createdAt, silent: true });
    customer.updatedAt = at(createdAt);
    customerIds.push(customer.id);
  }

  let lineItems = 0;
  const linesPer = Math.max(1, spec.linesPerOrder ?? 1);
  for (let o = 0; o < (spec.orders ?? 0); o += 1) {
    const createdAt = at(yearAgo);
    const lines = variantIds.length === 0 ? [] : Array.from({ length: linesPer }, () => ({
      variantId: rng.pick(variantIds), quantity: rng.int(1, 3),
    }));
    const cancelled = rng.chance(0.03);
    const fulfillment: FulfillmentStatus = cancelled ? 'UNFULFILLED' : rng.pick(['FULFILLED', 'FULFILLED', 'UNFULFILLED', 'PARTIALLY_FULFILLED'] as const);
    const financial: FinancialStatus = cancelled ? 'REFUNDED' : rng.pick(['PAID', 'PAID', 'PAID', 'PENDING', 'PARTIALLY_REFUNDED'] as const);
    const order = createOrder(store, {
      customerId: customerIds.length > 0 && rng.chance(0.9) ? rng.pick(customerIds) : null,
      financialStatus: financial, fulfillmentStatus: fulfillment, tags: rng.chance(0.2) ? ['wholesale'] : [],
      cancelled, closed: fulfillment === 'FULFILLED',
    }, lines, { at: createdAt, silent: true });
    order.updatedAt = Math.min(base, createdAt + rng.int(0, 30) * DAY + rng.int(0, 86_399) * 1000);
    lineItems += order.lines.length;
  }
  // Seeded records are history: already in the search index, so the search lag never hides them.
  for (const map of [store.products, store.variants, store.orders, store.customers]) {
    for (const record of map.values()) record.indexedAt = 0;
  }
  for (const name of ['products', 'variants', 'inventoryItems', 'orders', 'customers'] as const) store.changed(name);
  return {
    products: store.products.size, variants: store.variants.size, orders: store.orders.size, lineItems,
    customers: store.customers.size, locations: store.locations.size,
  };
}
