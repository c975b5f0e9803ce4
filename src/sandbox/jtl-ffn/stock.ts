// Stock moves (section 2 "Stock"/"StockChange"): every change of a (jfsku, warehouse) cell bumps its
// stockVersion and appends a StockChange with the levels after the change and the deltas, which the stock
// /updates feed serves. Quantities are floats (divisible products).
import { FfnError } from './errors.js';
import type { FfnRuntime } from './runtime.js';
import { type Actor, type ChangeType, type Levels, round, type StockCell, type StockChangeRec, ZERO } from './store.js';

export interface StockMove {
  changeType: ChangeType;
  actor: Actor;
  /** Deltas; levels not named stay. */
  delta: Partial<Levels>;
  outboundItem?: { outboundId: string; outboundItemId: string } | null;
  note?: string | null;
}

/** Applies `move` to the (jfsku, warehouse) cell, creating it at zero, and records the StockChange. */
export function moveStock(runtime: FfnRuntime, jfsku: string, warehouseId: string, move: StockMove): StockChangeRec {
  const { store } = runtime;
  const product = store.products.get(jfsku);
  if (!product) throw new FfnError(404, 'Products_ProductNotFound', `product ${jfsku} not found`);
  if (!store.warehouses.has(warehouseId)) throw new FfnError(404, 'Warehouses_WarehouseNotFound', `warehouse ${warehouseId} not found`);
  let cells = store.stock.get(jfsku);
  if (!cells) {
    cells = new Map();
    store.stock.set(jfsku, cells);
  }
  const previous = cells.get(warehouseId);
  const at = runtime.stamp(previous?.updatedAt);
  const cell: StockCell = previous ?? { ...ZERO, version: 0, updatedAt: at };
  const delta: Levels = {
    stockLevel: round(move.delta.stockLevel ?? 0),
    stockLevelReserved: round(move.delta.stockLevelReserved ?? 0),
    stockLevelBlocked: round(move.delta.stockLevelBlocked ?? 0),
    stockLevelAnnounced: round(move.delta.stockLevelAnnounced ?? 0),
  };
  const after: Levels = {
    stockLevel: round(cell.stockLevel + delta.stockLevel),
    stockLevelReserved: round(cell.stockLevelReserved + delta.stockLevelReserved),
    stockLevelBlocked: round(cell.stockLevelBlocked + delta.stockLevelBlocked),
    stockLevelAnnounced: round(cell.stockLevelAnnounced + delta.stockLevelAnnounced),
  };
  const next: StockCell = { ...after, version: cell.version + 1, updatedAt: at };
  cells.set(warehouseId, next);
  const change: StockChangeRec = {
    seq: store.nextSeq(), at, jfsku, merchantSku: product.fields.merchantSku, warehouseId, version: next.version,
    after, delta, changeType: move.changeType, actor: move.actor, outboundItem: move.outboundItem ?? null, note: move.note ?? null,
  };
  store.stockChanges.push(change);
  return change;
}

/** A fulfiller stock-take: sets the available level, recorded as an Adjustment by the difference. */
export function adjustStock(runtime: FfnRuntime, jfsku: string, warehouseId: string, stockLevel: number, actor: Actor): StockChangeRec {
  if (typeof stockLevel !== 'number' || !Number.isFinite(stockLevel) || stockLevel < 0) {
    throw new FfnError(400, 'Stocks_InvalidStockLevel', 'stockLevel must be a non-negative number');
  }
  const current = runtime.store.cell(jfsku, warehouseId)?.stockLevel ?? 0;
  return moveStock(runtime, jfsku, warehouseId, { changeType: 'Adjustment', actor, delta: { stockLevel: stockLevel - current } });
}
