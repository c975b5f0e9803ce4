// Deterministic seeded data: simple and variable products (with variations), customers and orders spread
// over `spanDays` before `baseTime`, from a seeded PRNG so a test's data never changes between runs.
import { SeededRandom } from '../common/random.js';
import type { WooRuntime } from './runtime.js';
import { applyStockRules, slugify } from './product-writes.js';
import { billing, shipping } from './order-customer-writes.js';
import type { ProductRec } from './store.js';

export interface SeedSpec {
  /** Simple products. */
  products?: number;
  /** Variable products, each with `variationsPerProduct` variations. */
  variableProducts?: number;
  variationsPerProduct?: number;
  customers?: number;
  orders?: number;
  /** Share of products (and variations) with manage_stock on. Default 0.7. */
  managedStockShare?: number;
  /** Epoch ms of the newest record; default now. */
  baseTime?: number;
  spanDays?: number;
  seed?: number;
}

export interface SeedResult { products: number; variations: number; customers: number; orders: number }

const SIZES = ['S', 'M', 'L', 'XL'];
const NAMES = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo'];

export function seedStore(runtime: WooRuntime, spec: SeedSpec): SeedResult {
  const { store } = runtime;
  store.clearData();
  runtime.lastPages.clear();
  const random = new SeededRandom(spec.seed ?? 1);
  const base = spec.baseTime ?? runtime.now();
  const span = (spec.spanDays ?? 30) * 86_400_000;
  // Whole seconds, as WordPress stores them.
  const when = () => Math.floor((base - random.int(0, span)) / 1000) * 1000;
  const managed = spec.managedStockShare ?? 0.7;
  const result: SeedResult = { products: 0, variations: 0, customers: 0, orders: 0 };

  const product = (type: ProductRec['type'], parentId: number, name: string, sku: string): ProductRec => {
    const created = when();
    const manage = random.chance(managed);
    const rec: ProductRec = {
      id: store.postId(), type, parent_id: parentId, name, slug: '', status: 'publish', description: `<p>${name}</p>`, short_description: '',
      sku, regular_price: type === 'variable' ? '' : `${random.int(5, 120)}.${random.pick(['00', '50', '99'])}`, sale_price: '',
      manage_stock: type !== 'variable' && manage, stock_quantity: random.int(0, 60), stock_status: 'instock', backorders: 'no',
      weight: String(random.int(1, 30) / 10), dimensions: { length: '', width: '', height: '' }, categories: [{ id: 15, name: 'Uncategorized', slug: 'uncategorized' }],
      tags: [], images: [], attributes: [], default_attributes: [], menu_order: 0, total_sales: 0, meta_data: [], created, modified: created,
    };
    if (random.chance(0.2) && rec.regular_price !== '') rec.sale_price = (Number(rec.regular_price) * 0.8).toFixed(2);
    if (type !== 'variation') rec.slug = `${slugify(name)}-${rec.id}`;
    applyStockRules(rec);
    store.products.set(rec.id, rec);
    return rec;
  };

  for (let i = 0; i < (spec.products ?? 0); i += 1) {
    product('simple', 0, `Simple Product ${i + 1}`, `SIM-${String(i + 1).padStart(5, '0')}`);
    result.products += 1;
  }
  for (let i = 0; i < (spec.variableProducts ?? 0); i += 1) {
    const parent = product('variable', 0, `Variable Shirt ${i + 1}`, `VAR-${String(i + 1).padStart(5, '0')}`);
    const sizes = SIZES.slice(0, Math.max(1, Math.min(SIZES.length, spec.variationsPerProduct ?? 3)));
    parent.attributes = [{ id: 0, name: 'Size', position: 0, visible: true, variation: true, options: sizes }];
    result.products += 1;
    sizes.forEach((size, n) => {
      const v = product('variation', parent.id, '', `${parent.sku}-${size}`);
      v.attributes = [{ id: 0, name: 'Size', option: size }];
      v.menu_order = n;
      result.variations += 1;
    });
  }
  for (let i = 0; i < (spec.customers ?? 0); i += 1) {
    const first = random.pick(NAMES);
    const created = when();
    const email = `customer${i + 1}@example.com`;
    const id = store.userId();
    store.customers.set(id, {
      id, email, first_name: first, last_name: `Tester${i + 1}`, username: `customer${i + 1}`, role: 'customer',
      billing: billing(undefined, { first_name: first, email, country: 'DE', city: 'Berlin' }), shipping: shipping(undefined, { first_name: first, country: 'DE' }),
      is_paying_customer: false, meta_data: [], created, modified: created,
    });
    result.customers += 1;
  }
  const sellable = [...store.products.values()].filter((p) => p.type === 'simple' || p.type === 'variation');
  const customers = [...store.customers.values()];
  for (let i = 0; i < (spec.orders ?? 0) && sellable.length > 0; i += 1) {
    const created = when();
    const lines = Array.from({ length: random.int(1, 3) }, () => {
      const p = random.pick(sellable);
      const quantity = random.int(1, 3);
      const total = (Number(p.sale_price || p.regular_price) * quantity).toFixed(2);
      return {
        id: store.itemId(), name: p.type === 'variation' ? `${store.products.get(p.parent_id)?.name ?? ''} - ${String(p.attributes[0]?.option ?? '')}` : p.name,
        product_id: p.type === 'variation' ? p.parent_id : p.id, variation_id: p.type === 'variation' ? p.id : 0, quantity, sku: p.sku, subtotal: total, total, meta_data: [],
      };
    });
    const customer = customers.length > 0 && random.chance(0.7) ? random.pick(customers) : undefined;
    const status = random.pick(['processing', 'completed', 'completed', 'on-hold', 'pending', 'cancelled']);
    const id = store.postId();
    store.orders.set(id, {
      id, status, currency: runtime.options.currency, customer_id: customer?.id ?? 0, customer_note: '',
      billing: customer ? { ...customer.billing } : billing(undefined, { first_name: 'Guest', country: 'AT', email: `guest${i}@example.com` }),
      shipping: customer ? { ...customer.shipping } : shipping(undefined, { first_name: 'Guest', country: 'AT' }),
      payment_method: 'bacs', payment_method_title: 'Direct bank transfer', transaction_id: '', shipping_total: random.pick(['0.00', '4.90']),
      discount_total: '0.00', line_items: lines, meta_data: [], created_via: 'checkout', order_key: `wc_order_seed${id}`,
      created, modified: created + random.int(0, 3) * 3_600_000, paid: status === 'pending' ? null : created, completed: status === 'completed' ? created : null, stockReduced: true,
    });
    result.orders += 1;
  }
  return result;
}
