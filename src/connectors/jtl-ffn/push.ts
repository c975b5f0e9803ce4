// Writes of hub products to JTL-FFN (platforms/jtl-ffn.md section 5): the merchant product carries the
// ops fields JTL owns by the default matrix (core/ownership.ts), so a merchant's edit of them in the hub
// reaches the warehouse. Every SKU is a product of its own (`PATCH products/{jfsku}`); an unlinked SKU is
// created, and a create refused as `Products_DuplicateProduct` (an earlier attempt's answer was lost, or
// the product exists under that SKU) names the existing jfsku, which is updated instead. Stock is never
// written: the fulfiller owns it.
import { SyncError } from '../../core/errors.js';
import type { ProductField } from '../../core/records.js';
import { kilograms, metres } from '../../core/units.js';
import type { Ctx, ProductPush, ProductPushResult } from '../types.js';
import { jtlErrorOf, MERCHANT } from './api.js';
import type { JtlConfig } from './config-merged.js';

/** What upsertJtlProduct writes and mapJtlProduct reads back (the push hash covers exactly these). */
export const JTL_PUSHED_FIELDS = ['name', 'sku', 'gtin', 'dimensions', 'weight', 'customsCode', 'countryOfOrigin', 'manufacturer'] as const satisfies readonly ProductField[];


type Sku = ProductPush['skus'][number];

/** The product body of one SKU; only fields the hub has a value for. */
export function productBody(push: ProductPush, s: Sku): Record<string, unknown> {
  const name = s.variantName && s.variantName !== push.title && push.skus.length > 1 ? `${push.title} - ${s.variantName}` : push.title;
  const ops = s.ops ?? {};
  const d = ops.dimensions;
  const w = ops.weight;
  return {
    name,
    merchantSku: s.sku,
    ...(s.gtin ? { identifier: { ean: s.gtin } } : {}),
    ...(d ? { dimensions: { length: metres(d.length, d.unit), width: metres(d.width, d.unit), height: metres(d.height, d.unit) } } : {}),
    ...(w ? { weight: kilograms(w.value, w.unit) } : {}),
    ...(ops.customsCode ? { specifications: { taric: ops.customsCode } } : {}),
    ...(ops.countryOfOrigin ? { originCountry: ops.countryOfOrigin } : {}),
    ...(ops.manufacturer ? { manufacturer: ops.manufacturer } : {}),
  };
}

async function createOrFind(ctx: Ctx<JtlConfig>, body: Record<string, unknown>): Promise<string> {
  try {
    const res = await ctx.http.request<{ jfsku?: unknown }>({ method: 'POST', path: `${MERCHANT}/products`, body, retry: false });
    if (typeof res.body?.jfsku === 'string') return res.body.jfsku;
    throw new SyncError('upstream_invalid_response', 'JTL-FFN created a product without answering its jfsku');
  } catch (err) {
    const e = jtlErrorOf(err);
    const existing = e.meta.Jfsku ?? e.meta.jfsku;
    if (e.code === 'Products_DuplicateProduct' && typeof existing === 'string') {
      await ctx.http.request({ method: 'PATCH', path: `${MERCHANT}/products/${encodeURIComponent(existing)}`, body });
      return existing;
    }
    throw err;
  }
}

export async function upsertJtlProduct(ctx: Ctx<JtlConfig>, push: ProductPush): Promise<ProductPushResult> {
  const skus: ProductPushResult['skus'] = [];
  for (const s of push.skus) {
    if (!s.sku) continue; // JTL identifies a merchant product by its SKU: one without cannot be sent
    const body = productBody(push, s);
    let jfsku = s.externalId;
    if (jfsku) await ctx.http.request({ method: 'PATCH', path: `${MERCHANT}/products/${encodeURIComponent(jfsku)}`, body });
    else jfsku = await createOrFind(ctx, body);
    skus.push({ sku: s.sku, externalId: jfsku, platformIds: {} });
  }
  // JTL has no parent products: the first SKU stands for the group.
  return { parentExternalId: skus[0]?.externalId ?? push.parentExternalId ?? '', skus };
}
