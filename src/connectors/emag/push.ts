// Writes to eMAG: offer stock through PATCH offer_stock/{id} (`{"stock": n}`, the documented stock-only
// call) and offer price/status through product_offer/save. An offer update must resend id, status,
// sale_price, vat_id, handling_time and stock, so the current offer is read first and only the pushed
// fields change. Offers are created on eMAG with their product documentation (category, images,
// characteristics), which the hub does not hold: pushing a SKU with no linked offer is refused.
import { isSyncError, SyncError } from '../../core/errors.js';
import type { Ctx, ProductPush, ProductPushResult, StockPush } from '../types.js';
import { emagCall, listOf } from './api.js';
import type { EmagConfig } from './config-merged.js';

const MAX_STOCK = 65_535;
/** eMAG takes at most 50 offers per save. */
const SAVE_BATCH = 50;

interface OfferForSave {
  id: number;
  status: number;
  sale_price: string | number;
  vat_id: number;
  handling_time: { warehouse_id: number; value: number }[];
  stock: { warehouse_id: number; value: number }[];
}

function offerId(externalId: string): number {
  const id = Number(externalId);
  if (!/^\d+$/.test(externalId) || id < 1 || id > 16_777_215) throw new SyncError('validation_failed', `"${externalId}" is not an eMAG offer id (1..16777215)`);
  return id;
}

async function readOffer(ctx: Ctx<EmagConfig>, id: number): Promise<OfferForSave> {
  const found = listOf('product_offer/read', await emagCall(ctx, 'product_offer/read', { id }))[0] as Partial<OfferForSave> | undefined;
  if (!found) throw new SyncError('upstream_rejected', `eMAG has no offer ${id} on this account`);
  const { status, sale_price, vat_id, handling_time, stock } = found;
  if (typeof status !== 'number' || sale_price === undefined || typeof vat_id !== 'number' || !Array.isArray(handling_time) || !Array.isArray(stock)) {
    throw new SyncError('upstream_invalid_response', `eMAG offer ${id} lacks status, sale_price, vat_id, handling_time or stock`);
  }
  return { id, status, sale_price, vat_id, handling_time, stock };
}

/** Turns eMAG's `{"message": ...}` bodies of the offer_stock call into the error message. */
function withEmagMessage(err: unknown, what: string): unknown {
  if (!isSyncError(err) || err.code !== 'upstream_rejected') return err;
  const body = (err.details as { body?: string } | undefined)?.body;
  let said = body;
  try {
    const parsed = body ? (JSON.parse(body) as { message?: string; errors?: { message?: string }[] }) : undefined;
    said = [parsed?.message, ...(parsed?.errors ?? []).map((e) => e.message)].filter(Boolean).join(': ') || body;
  } catch {
    // not JSON: keep the excerpt as it is
  }
  return new SyncError('upstream_rejected', `eMAG refused ${what}${said ? `: ${said}` : ''}`, { details: err.details, cause: err });
}

export async function setEmagStock(ctx: Ctx<EmagConfig>, s: StockPush): Promise<void> {
  const id = offerId(s.productExternalId);
  // eMAG stores 0..65535; an oversold (negative) hub level is "none left".
  const value = Math.min(MAX_STOCK, Math.max(0, Math.floor(s.available)));
  try {
    if (s.locationId === '1') {
      await ctx.http.request({ method: 'PATCH', path: `offer_stock/${id}`, body: { stock: value }, route: 'other' });
      return;
    }
    // The stock-only call sets the default warehouse; another warehouse goes through a full offer save.
    const offer = await readOffer(ctx, id);
    const warehouse = Number(s.locationId);
    if (!Number.isInteger(warehouse) || warehouse < 1) throw new SyncError('validation_failed', `"${s.locationId}" is not an eMAG warehouse id`);
    const stock = [...offer.stock.filter((w) => w.warehouse_id !== warehouse), { warehouse_id: warehouse, value }];
    await emagCall(ctx, 'product_offer/save', [{ ...offer, stock }]);
  } catch (err) {
    throw withEmagMessage(err, `the stock of offer ${id}`);
  }
}

export async function upsertEmagOffers(ctx: Ctx<EmagConfig>, p: ProductPush): Promise<ProductPushResult> {
  if (p.skus.length === 0) throw new SyncError('validation_failed', 'a product needs at least one SKU');
  const unlinked = p.skus.filter((s) => !s.externalId).map((s) => s.sku);
  if (unlinked.length > 0) {
    throw new SyncError('validation_failed', `SKU ${unlinked.join(', ')} has no eMAG offer: offers are created on eMAG with their product documentation; link the SKU to an existing offer id`);
  }
  const offers: OfferForSave[] = [];
  for (const s of p.skus) {
    const offer = await readOffer(ctx, offerId(s.externalId!));
    offers.push({
      ...offer,
      ...(s.price ? { sale_price: s.price } : {}),
      ...(p.isActive !== undefined && p.isActive !== null ? { status: p.isActive ? 1 : 0 } : {}),
    });
  }
  for (let i = 0; i < offers.length; i += SAVE_BATCH) await emagCall(ctx, 'product_offer/save', offers.slice(i, i + SAVE_BATCH));
  return {
    parentExternalId: p.parentExternalId ?? p.skus[0]!.externalId!,
    skus: p.skus.map((s) => ({ sku: s.sku, externalId: s.externalId!, platformIds: {} })),
  };
}
