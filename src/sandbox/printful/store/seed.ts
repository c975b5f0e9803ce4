// Deterministic catalog: the same options give the same products, variants, prices and stock on
// every run, so tests and benchmarks can name ids and compare figures across runs.
import { SeededRandom } from '../../common/random.js';
import type { CatalogSeedOptions } from '../options.js';
import { DEFAULT_CATALOG } from '../options.js';
import type { CatalogProduct, CatalogVariant, StockStatus, SyncProduct, SyncVariant } from './types.js';

const SIZES = ['XS', 'S', 'M', 'L', 'XL', '2XL', '3XL', '4XL'];
const COLORS: [string, string][] = [
  ['Black', '#0b0b0b'], ['White', '#ffffff'], ['Navy', '#212642'], ['Heather Grey', '#9b969c'], ['Red', '#d0071e'],
  ['Forest Green', '#1f4a2e'], ['Royal Blue', '#1d4f91'], ['Maroon', '#5e1c2b'], ['Sand', '#d6c6a4'], ['Pink', '#f7c1cf'],
  ['Purple', '#53327b'], ['Orange', '#f26722'],
];
const TYPES: { type: string; typeName: string; category: number; base: [number, number]; techniques: string[] }[] = [
  { type: 'T-SHIRT', typeName: 'T-Shirt', category: 24, base: [8, 16], techniques: ['dtg', 'embroidery'] },
  { type: 'HOODIE', typeName: 'Hoodie', category: 57, base: [20, 32], techniques: ['dtg', 'embroidery'] },
  { type: 'MUG', typeName: 'Mug', category: 112, base: [5, 11], techniques: ['sublimation'] },
  { type: 'POSTER', typeName: 'Poster', category: 55, base: [7, 25], techniques: ['digital'] },
  { type: 'CUT-SEW', typeName: 'All-Over Print Leggings', category: 202, base: [22, 30], techniques: ['cut-sew'] },
  { type: 'EMBROIDERY', typeName: 'Dad Hat', category: 42, base: [11, 15], techniques: ['embroidery'] },
];
const BRANDS = ['Gildan', 'Bella + Canvas', 'Next Level', 'Cotton Heritage', 'Yupoong', 'Comfort Colors', 'Printful'];

export interface SeededData {
  products: CatalogProduct[];
  variants: CatalogVariant[];
  syncProducts: SyncProduct[];
  syncVariants: SyncVariant[];
}

const money = (n: number) => n.toFixed(2);

function stockStatus(random: SeededRandom): StockStatus {
  const r = random.next();
  return r < 0.85 ? 'in_stock' : r < 0.93 ? 'stocked_on_demand' : r < 0.98 ? 'out_of_stock' : 'discontinued';
}

export function seedCatalog(opts: CatalogSeedOptions = {}, baseTime = Date.UTC(2025, 0, 1)): SeededData {
  const o = { ...DEFAULT_CATALOG, ...opts };
  const random = new SeededRandom(o.seed);
  const products: CatalogProduct[] = [];
  const variants: CatalogVariant[] = [];
  let nextVariantId = 4000;
  for (let i = 0; i < o.products; i++) {
    const id = i + 1;
    const t = random.pick(TYPES);
    const brand = random.pick(BRANDS);
    const model = `${t.type.slice(0, 2)}${100 + random.int(0, 899)}`;
    const count = random.int(1, Math.max(1, 2 * o.variantsPerProduct - 1));
    const sizes = SIZES.slice(0, Math.min(SIZES.length, Math.max(1, Math.round(Math.sqrt(count)))));
    const base = random.int(t.base[0] * 100, t.base[1] * 100) / 100;
    const product: CatalogProduct = {
      id, mainCategoryId: t.category, type: t.type, typeName: t.typeName,
      title: `${brand} ${model} ${t.typeName}`, brand, model,
      image: `https://files.cdn.printful.com/products/${id}/product_1.jpg`, currency: 'USD', isDiscontinued: false,
      description: `A ${t.typeName.toLowerCase()} by ${brand}.`, techniques: t.techniques,
      originCountry: random.pick(['US', 'LV', 'ES', 'MX', 'CN']), variantIds: [], updatedAt: baseTime,
    };
    for (let v = 0; v < count; v++) {
      const size = sizes[v % sizes.length]!;
      const [color, colorCode] = COLORS[Math.floor(v / sizes.length) % COLORS.length]!;
      const premium = Math.max(0, SIZES.indexOf(size) - 4) * 1.5;
      const variant: CatalogVariant = {
        id: nextVariantId++, productId: id, name: `${product.title} (${color} / ${size})`, size, color, colorCode,
        image: `https://files.cdn.printful.com/products/${id}/${nextVariantId}_1.jpg`, price: money(base + premium),
        availability: { US: stockStatus(random), EU: stockStatus(random), EU_LV: 'in_stock', AU: stockStatus(random) },
        material: [{ name: 'cotton', percentage: 100 }], updatedAt: baseTime,
      };
      product.variantIds.push(variant.id);
      variants.push(variant);
    }
    products.push(product);
  }
  const syncProducts: SyncProduct[] = [];
  const syncVariants: SyncVariant[] = [];
  let nextSyncVariantId = 900_000;
  for (let i = 0; i < Math.min(o.storeProducts, products.length); i++) {
    const p = products[(i * 7) % products.length]!;
    const sp: SyncProduct = {
      id: 300_000 + i, externalId: `ext-${1000 + i}`, name: `My ${p.typeName} ${i + 1}`, thumbnailUrl: p.image,
      isIgnored: false, variantIds: [], updatedAt: baseTime,
    };
    for (const variantId of p.variantIds.slice(0, o.storeVariantsPerProduct)) {
      const cv = variants.find((v) => v.id === variantId)!;
      const sv: SyncVariant = {
        id: nextSyncVariantId++, externalId: `ext-${1000 + i}-${variantId}`, syncProductId: sp.id, variantId,
        retailPrice: money(Number(cv.price) * 2 + 0.99), currency: 'USD', sku: `PF-${sp.id}-${variantId}`,
        isIgnored: false, synced: true, files: [{ type: 'default', url: `https://example.com/art/${sp.id}.png` }], options: [],
      };
      sp.variantIds.push(sv.id);
      syncVariants.push(sv);
    }
    syncProducts.push(sp);
  }
  return { products, variants, syncProducts, syncVariants };
}
