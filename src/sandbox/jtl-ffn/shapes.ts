// JSON shapes of the merchant API (section 2): camelCase, ISO 8601 timestamps, float quantities, dimensions in
// metres and weights in kg. Optional fields a client never set are answered null (or [] for lists), so a client
// sees the full model.
import type { FfnRuntime } from './runtime.js';
import type { Levels, ModInfo, NotificationRec, OutboundRec, ProductRec, StockChangeRec, WarehouseRec } from './store.js';

type Json = Record<string, unknown>;

export const iso = (ms: number): string => new Date(ms).toISOString();

export function modJson(mod: ModInfo, changesInRange: number[] = []): Json {
  // changesInRange's element shape is unpublished; the sandbox lists the change instants inside the feed window.
  return { createdAt: iso(mod.createdAt), updatedAt: iso(mod.updatedAt), state: mod.state, changesInRange: changesInRange.map(iso) };
}

const PRODUCT_DEFAULTS: Json = {
  identifier: { mpn: null, ean: null, isbn: null, upc: null, asin: null },
  dimensions: null, weight: null, netWeight: null,
  specifications: {
    isBatch: false, isDivisible: false, isBestBefore: false, isSerialNumber: false, isBillOfMaterials: false,
    billOfMaterialsComponents: [], unNumber: null, hazardIdentifier: null, taric: null, fnsku: null, isPackaging: false,
  },
  attributes: [], netRetailPrice: null, bundles: [], relatedProducts: [], condition: 'Default', pictures: [],
  productGroup: null, originCountry: null, manufacturer: null, note: null,
};

export function productJson(runtime: FfnRuntime, p: ProductRec, changesInRange?: number[]): Json {
  const f = p.fields;
  return {
    jfsku: p.jfsku, merchantId: runtime.options.merchantId, ...PRODUCT_DEFAULTS, ...f,
    identifier: { ...(PRODUCT_DEFAULTS.identifier as Json), ...((f.identifier as Json | undefined) ?? {}) },
    specifications: { ...(PRODUCT_DEFAULTS.specifications as Json), ...((f.specifications as Json | undefined) ?? {}) },
    modificationInfo: modJson(p.mod, changesInRange),
  };
}

export function warehouseJson(w: WarehouseRec): Json {
  return { warehouseId: w.warehouseId, fulfillerId: w.fulfillerId, name: w.name, address: w.address, modificationInfo: modJson(w.mod) };
}

const levels = (l: Levels): Levels => ({
  stockLevel: l.stockLevel, stockLevelReserved: l.stockLevelReserved, stockLevelBlocked: l.stockLevelBlocked, stockLevelAnnounced: l.stockLevelAnnounced,
});

/** The Stock object: per-warehouse levels and their sums; `onlyWarehouse` limits it to one warehouse. */
export function stockJson(runtime: FfnRuntime, p: ProductRec, onlyWarehouse?: string): Json {
  const cells = [...(runtime.store.stock.get(p.jfsku)?.entries() ?? [])].filter(([w]) => onlyWarehouse === undefined || w === onlyWarehouse);
  const sum = (k: keyof Levels) => Math.round(cells.reduce((s, [, c]) => s + c[k], 0) * 1e6) / 1e6;
  const latest = cells.reduce((m, [, c]) => Math.max(m, c.updatedAt), p.mod.createdAt);
  return {
    jfsku: p.jfsku, merchantSku: p.fields.merchantSku,
    stockLevel: sum('stockLevel'), stockLevelReserved: sum('stockLevelReserved'), stockLevelBlocked: sum('stockLevelBlocked'), stockLevelAnnounced: sum('stockLevelAnnounced'),
    warehouses: cells.map(([warehouseId, c]) => ({ warehouseId, ...levels(c) })),
    fulfillerTimestamp: iso(latest),
  };
}

export function stockChangeJson(runtime: FfnRuntime, c: StockChangeRec): Json {
  return {
    stockChangeId: { warehouseId: c.warehouseId, jfsku: c.jfsku, stockVersion: c.version },
    merchantSku: c.merchantSku,
    ...levels(c.after),
    quantity: c.delta.stockLevel, quantityReserved: c.delta.stockLevelReserved, quantityBlocked: c.delta.stockLevelBlocked, quantityAnnounced: c.delta.stockLevelAnnounced,
    changeType: c.changeType,
    outboundItem: c.outboundItem, inboundItem: null, returnItem: null, outboundShippingNotificationItem: null, batch: null, bestBefore: null,
    note: c.note,
    current: runtime.store.isCurrent(c),
    modificationInfo: { createdAt: iso(c.at), updatedAt: iso(c.at), state: c.changeType === 'Deleted' ? 'Deleted' : 'New' },
  };
}

export function outboundJson(runtime: FfnRuntime, o: OutboundRec, changesInRange?: number[]): Json {
  return {
    outboundId: o.outboundId, merchantId: runtime.options.merchantId,
    externalNumber: null, priority: 0, internalNote: null, externalNote: null, premiumType: null, salesChannel: null,
    attributes: [], desiredDeliveryDate: null, shippingMethodId: null, shippingType: null, senderAddress: null,
    cancelReasonCode: null, cancelReason: null, shippingFee: null, orderValue: null, attachments: [],
    ...o.fields,
    status: o.status,
    items: o.items.map((i) => ({
      outboundItemId: i.outboundItemId, jfsku: i.jfsku, merchantSku: i.merchantSku, itemType: i.itemType,
      quantity: i.quantity, quantityOpen: i.quantityOpen,
      name: null, externalNumber: null, price: null, vat: null, billOfMaterialsId: null, note: null, ...i.extra,
    })),
    statusTimestamp: Object.fromEntries(Object.entries(o.statusTimestamp).map(([k, v]) => [k, iso(v)])),
    modificationInfo: modJson(o.mod, changesInRange),
  };
}

export function notificationJson(runtime: FfnRuntime, n: NotificationRec): Json {
  return {
    outboundShippingNotificationId: n.outboundShippingNotificationId,
    fulfillerShippingNotificationNumber: n.fulfillerShippingNotificationNumber,
    outboundId: n.outboundId, merchantId: runtime.options.merchantId,
    items: n.items.map((i) => ({ ...i, batch: null, bestBefore: null, serialnumbers: [], note: null })),
    packages: n.packages.map((p) => ({
      freightOption: p.freightOption, estimatedDeliveryDate: p.estimatedDeliveryDate === null ? null : iso(p.estimatedDeliveryDate),
      trackingUrl: p.trackingUrl, identifier: p.identifier, shippingDate: iso(p.shippingDate), shippingMethodId: null, dimensions: null, weight: null,
    })),
    outboundStatus: n.outboundStatus, note: null,
    modificationInfo: modJson(n.mod),
  };
}
