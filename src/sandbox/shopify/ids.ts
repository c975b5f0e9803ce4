// Identifier and timestamp encodings of the Admin API (platforms/shopify.md section 2): GIDs, opaque
// cursors, second-precision ISO 8601 timestamps.
export type GidType =
  | 'Product' | 'ProductVariant' | 'InventoryItem' | 'InventoryLevel' | 'Location' | 'Order' | 'LineItem'
  | 'Customer' | 'BulkOperation' | 'WebhookSubscription' | 'Shop' | 'InventoryAdjustmentGroup';

export function gid(type: GidType, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

/** InventoryLevel GIDs carry the item as a query parameter, as Shopify's do. */
export function inventoryLevelGid(levelId: number, inventoryItemId: number): string {
  return `gid://shopify/InventoryLevel/${levelId}?inventory_item_id=${inventoryItemId}`;
}

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/;

/** Parses `gid://shopify/Type/123[?...]`; null when malformed or of another type than `expected`. */
export function parseGid(value: unknown, expected?: GidType): { type: string; id: number } | null {
  if (typeof value !== 'string') return null;
  const match = GID.exec(value);
  if (!match || match[1] === undefined || match[2] === undefined) return null;
  if (expected !== undefined && match[1] !== expected) return null;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? { type: match[1], id } : null;
}

/** Shopify timestamps have second precision and a `Z` suffix: 2024-01-01T10:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Opaque cursor shaped like Shopify's: base64 of {"last_id":..,"last_value":..}. */
export interface CursorKey {
  lastId: number;
  lastValue: number | string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ last_id: key.lastId, last_value: key.lastValue })).toString('base64');
}

export function decodeCursor(cursor: string): CursorKey | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { last_id: lastId, last_value: lastValue } = parsed as Record<string, unknown>;
    if (typeof lastId !== 'number') return null;
    if (typeof lastValue !== 'number' && typeof lastValue !== 'string') return null;
    return { lastId, lastValue };
  } catch {
    return null;
  }
}
