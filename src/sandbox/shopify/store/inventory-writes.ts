// Inventory quantities. `on_hand` = available + the unavailable states (committed, reserved, damaged,
// safety_stock, quality_control); setting one of available/on_hand moves the other by the same delta, as
// Shopify's inventory states do.
import type { ShopifyStore } from './store.js';
import type { InventoryLevelRecord } from './types.js';
import { stockAt } from './product-writes.js';

export type SettableQuantity = 'available' | 'on_hand';

export function findLevel(store: ShopifyStore, inventoryItemId: number, locationId: number): InventoryLevelRecord | undefined {
  return store.inventoryItems.get(inventoryItemId)?.levels.get(locationId);
}

/** inventoryActivate: stocks the item at the location (idempotent); optionally with an initial quantity. */
export function activateInventory(
  store: ShopifyStore, inventoryItemId: number, locationId: number, available?: number,
): InventoryLevelRecord {
  return store.action(() => {
    const existed = findLevel(store, inventoryItemId, locationId);
    const level = stockAt(store, inventoryItemId, locationId);
    if (!existed && available !== undefined) setQuantity(store, inventoryItemId, locationId, 'available', available);
    return level;
  });
}

/** Sets one quantity; returns the previous value, or undefined when the item is not stocked there. */
export function setQuantity(
  store: ShopifyStore, inventoryItemId: number, locationId: number, name: SettableQuantity, quantity: number,
): number | undefined {
  const level = findLevel(store, inventoryItemId, locationId);
  if (!level) return undefined;
  const before = level.quantities[name];
  if (before === quantity) return before;
  adjustQuantity(store, level, name, quantity - before);
  return before;
}

/** Moves a quantity by `delta`, keeping available and on_hand consistent, and emits the webhook. */
export function adjustQuantity(store: ShopifyStore, level: InventoryLevelRecord, name: SettableQuantity | 'committed' | 'reserved', delta: number): void {
  if (delta === 0) return;
  store.action(() => {
    level.quantities[name] += delta;
    if (name === 'available') level.quantities.on_hand += delta;
    else if (name === 'on_hand') level.quantities.available += delta;
    else level.quantities.on_hand += delta;
    level.updatedAt = store.stamp();
    const item = store.inventoryItems.get(level.inventoryItemId);
    if (item) item.updatedAt = level.updatedAt;
    store.changed('inventoryItems');
    store.emit('inventory_levels/update', level.inventoryItemId, { locationId: level.locationId });
  });
}

/** Sum of `available` over all locations: ProductVariant.inventoryQuantity. */
export function totalAvailable(store: ShopifyStore, inventoryItemId: number): number {
  const item = store.inventoryItems.get(inventoryItemId);
  if (!item) return 0;
  let total = 0;
  for (const level of item.levels.values()) total += level.quantities.available;
  return total;
}
