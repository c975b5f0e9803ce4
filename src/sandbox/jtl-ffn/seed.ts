// Deterministic seeded data: warehouses and products with stock in every warehouse, from a seeded PRNG so a
// test's data (jfskus included) never changes between runs. Seeded stock arrives as Inbound stock changes, so a
// connector's first stock-feed read from an early fromDate sees it like any other movement.
import { SeededRandom } from '../common/random.js';
import { createProduct } from './products.js';
import type { FfnRuntime } from './runtime.js';
import { moveStock } from './stock.js';
import { FULFILLER } from './store.js';

export interface SeedSpec {
  products?: number;
  /** Default 3. */
  warehouses?: number;
  seed?: number;
  /** Stock level in each warehouse; default a seeded integer 0..100 per cell. */
  stockPerWarehouse?: number;
}

export interface SeedResult {
  products: { jfsku: string; merchantSku: string }[];
  warehouses: string[];
}

const WORDS = ['Cotton', 'Steel', 'Bamboo', 'Ceramic', 'Linen', 'Walnut', 'Copper', 'Wool'];
const THINGS = ['Mug', 'Shirt', 'Lamp', 'Bottle', 'Towel', 'Board', 'Bag', 'Vase'];

export function seedStore(runtime: FfnRuntime, spec: SeedSpec = {}): SeedResult {
  const random = new SeededRandom(spec.seed ?? 1);
  const { store } = runtime;
  store.clear(new SeededRandom((spec.seed ?? 1) * 31 + 17));
  const now = runtime.now();
  const warehouses: string[] = [];
  for (let i = 1; i <= (spec.warehouses ?? 3); i += 1) warehouses.push(store.addWarehouse(i, now).warehouseId);
  const products: SeedResult['products'] = [];
  for (let i = 1; i <= (spec.products ?? 0); i += 1) {
    const merchantSku = `SKU-${String(i).padStart(5, '0')}`;
    const p = createProduct(runtime, {
      merchantSku,
      name: `${random.pick(WORDS)} ${random.pick(THINGS)} ${i}`,
      identifier: { ean: `400${String(1_000_000_000 + i).slice(1)}` },
      // Metres and kilograms, as the API speaks them (section 2).
      dimensions: { length: random.int(5, 60) / 100, width: random.int(5, 40) / 100, height: random.int(1, 30) / 100 },
      weight: random.int(50, 5000) / 1000,
      netWeight: random.int(40, 4500) / 1000,
      netRetailPrice: random.int(199, 9999) / 100,
      attributes: [{ key: 'color', value: random.pick(['red', 'blue', 'green', 'black']), attributeType: 'String' }],
    }, FULFILLER);
    products.push({ jfsku: p.jfsku, merchantSku });
    for (const warehouseId of warehouses) {
      const level = spec.stockPerWarehouse ?? random.int(0, 100);
      moveStock(runtime, p.jfsku, warehouseId, { changeType: 'Inbound', actor: FULFILLER, delta: { stockLevel: level } });
    }
  }
  return { products, warehouses };
}
