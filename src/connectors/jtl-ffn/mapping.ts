// Pure mapping of JTL-FFN merchant products, stock and outbounds to canonical records
// (platforms/jtl-ffn.md section 2). Every JTL product is one SKU (no variants); dimensions come in
// metres and weights in kg; stock quantities are floats (divisible products) and are floored to whole
// units, which is all a sales channel can sell. Stock is one level per warehouse: several warehouses are
// several rows, never summed here (the storefront push sums what a storefront is stocked from).
import { invalidRecord, type CanonicalRecord, type FulfilmentRecord, type InvalidRecord, type ProductRecord, type Shipment, type StockLevelRecord } from '../../core/records.js';

type Json = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const instant = (v: unknown): string | undefined => {
  const s = text(v);
  const ms = s ? Date.parse(s) : NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};
/** Whole units available to sell: floats floored, never below zero. */
const units = (v: unknown): number => Math.max(0, Math.floor(num(v) ?? 0));

export const isDeleted = (o: Json): boolean => obj(o.modificationInfo).state === 'Deleted';

export function mapJtlProduct(p: Json): CanonicalRecord | InvalidRecord {
  const jfsku = text(p.jfsku);
  if (!jfsku) return invalidRecord(p, 'JTL product without a jfsku', { entity: 'product' });
  const identifier = obj(p.identifier);
  const dims = obj(p.dimensions);
  const specs = obj(p.specifications);
  const [length, width, height] = [num(dims.length), num(dims.width), num(dims.height)];
  const weight = num(p.weight);
  const country = text(p.originCountry)?.toUpperCase();
  const record: ProductRecord = {
    entity: 'product',
    externalId: jfsku,
    parentExternalId: null,
    ...(text(p.merchantSku) ? { sku: text(p.merchantSku) } : {}),
    ...(text(p.name) ? { name: text(p.name) } : {}),
    ...(text(identifier.ean) ? { gtin: text(identifier.ean) } : {}),
    ...(length !== undefined && width !== undefined && height !== undefined && length >= 0 && width >= 0 && height >= 0 ? { dimensions: { length, width, height, unit: 'm' as const } } : {}),
    ...(weight !== undefined && weight >= 0 ? { weight: { value: weight, unit: 'kg' as const } } : {}),
    ...(text(specs.taric) ? { customsCode: text(specs.taric) } : {}),
    ...(country && /^[A-Z]{2}$/.test(country) ? { countryOfOrigin: country } : {}),
    ...(text(p.manufacturer) ? { manufacturer: text(p.manufacturer) } : {}),
    ...(specs.unNumber !== undefined || specs.hazardIdentifier !== undefined ? { hazmat: !!(text(specs.unNumber) || text(specs.hazardIdentifier)) } : {}),
    ...(instant(obj(p.modificationInfo).updatedAt) ? { remoteUpdatedAt: instant(obj(p.modificationInfo).updatedAt) } : {}),
  };
  return record;
}

/** A Stock object (GET /stocks): one level per warehouse it lists. */
export function mapJtlStock(s: Json): (StockLevelRecord | InvalidRecord)[] {
  const jfsku = text(s.jfsku);
  if (!jfsku) return [invalidRecord(s, 'JTL stock without a jfsku', { entity: 'stock_level' })];
  const warehouses = Array.isArray(s.warehouses) ? (s.warehouses as unknown[]).map(obj) : [];
  const at = instant(s.fulfillerTimestamp);
  return warehouses.flatMap((w) => {
    const warehouseId = text(w.warehouseId);
    return warehouseId ? [level(jfsku, text(s.merchantSku), warehouseId, w, at)] : [];
  });
}

/** A StockChange of the stock feed: the warehouse's levels after the change. */
export function mapJtlStockChange(c: Json): StockLevelRecord | InvalidRecord {
  const id = obj(c.stockChangeId);
  const jfsku = text(id.jfsku);
  const warehouseId = text(id.warehouseId);
  if (!jfsku || !warehouseId) return invalidRecord(c, 'JTL stock change without jfsku and warehouseId', { entity: 'stock_level' });
  return level(jfsku, text(c.merchantSku), warehouseId, c, instant(obj(c.modificationInfo).updatedAt));
}

function level(jfsku: string, sku: string | undefined, warehouseId: string, l: Json, at: string | undefined): StockLevelRecord {
  return {
    entity: 'stock_level',
    productExternalId: jfsku,
    ...(sku ? { sku } : {}),
    locationId: warehouseId,
    available: units(l.stockLevel),
    reserved: units(l.stockLevelReserved),
    announced: units(l.stockLevelAnnounced),
    ...(at ? { remoteUpdatedAt: at } : {}),
  };
}

/** A stock change's identity: the feed may repeat one across chunk boundaries. */
export function stockChangeKey(c: Json): string {
  const id = obj(c.stockChangeId);
  return `${String(id.jfsku)}@${String(id.warehouseId)}#${String(id.stockVersion)}`;
}

/** An outbound as read, with the shipping notifications read for it. */
export interface OutboundItem {
  outbound: Json;
  notifications: Json[];
}

const SHIPPED = new Set(['Shipped', 'PartiallyShipped']);
export const hasShipments = (o: Json): boolean => SHIPPED.has(String(o.status));

export function mapJtlOutbound(item: OutboundItem): FulfilmentRecord | InvalidRecord {
  const o = item.outbound;
  const id = text(o.outboundId);
  const ref = text(o.merchantOutboundNumber);
  const status = text(o.status);
  if (!id || !ref || !status) return invalidRecord(o, 'JTL outbound without outboundId, merchantOutboundNumber or status', { entity: 'fulfilment' });
  const shipments: Shipment[] = item.notifications.flatMap((n) =>
    (Array.isArray(n.packages) ? (n.packages as unknown[]).map(obj) : []).map((p) => {
      const ids = Array.isArray(p.identifier) ? (p.identifier as unknown[]).map(text).filter((x): x is string => !!x) : [];
      const url = text(p.trackingUrl);
      return {
        ...(ids[0] ? { trackingNumber: ids[0] } : {}),
        ...(url && /^https?:\/\//.test(url) ? { trackingUrl: url } : {}),
        ...(text(p.freightOption) ? { carrier: text(p.freightOption) } : {}),
        ...(instant(p.shippingDate) ? { shippedAt: instant(p.shippingDate) } : {}),
      };
    }),
  );
  return {
    entity: 'fulfilment',
    externalId: id,
    orderRef: ref,
    status,
    ...(text(o.warehouseId) ? { warehouseId: text(o.warehouseId) } : {}),
    shipments,
    ...(instant(obj(o.modificationInfo).updatedAt) ? { remoteUpdatedAt: instant(obj(o.modificationInfo).updatedAt) } : {}),
  };
}
