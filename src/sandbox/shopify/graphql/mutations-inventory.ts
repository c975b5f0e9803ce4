// Inventory mutations: inventoryActivate (the "stocked at" prerequisite), inventorySetQuantities with
// compare-and-set, inventoryAdjustQuantities, and the `@idempotent(key:)` replay they share.
import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError, getDirectiveValues } from 'graphql';
import { gid, isoSeconds, parseGid } from '../ids.js';
import { activateInventory, adjustQuantity, findLevel, setQuantity } from '../store/inventory-writes.js';
import type { SettableQuantity } from '../store/inventory-writes.js';
import type { GraphQLContext } from './context.js';
import { requireScope } from './context.js';
import type { UserErrorOut } from './inputs.js';
import { checkInputSize } from './inputs.js';

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;
const MAX_QUANTITY = 1_000_000_000;
const REASONS = new Set([
  'correction', 'cycle_count_available', 'damaged', 'movement_created', 'movement_updated', 'movement_received',
  'movement_canceled', 'other', 'promotion', 'quality_control', 'received', 'reservation_created',
  'reservation_deleted', 'reservation_updated', 'restock', 'safety_stock', 'shrinkage',
]);

interface Change {
  name: string;
  delta: number;
  quantityAfterChange: number;
  itemId: number;
  locationId: number;
  ledgerDocumentUri: string | null;
}

function adjustmentGroup(ctx: GraphQLContext, reason: string, referenceDocumentUri: unknown, changes: Change[]) {
  return {
    id: gid('InventoryAdjustmentGroup', ++ctx.session.nextAdjustmentGroupId), createdAt: isoSeconds(ctx.store.stamp()),
    reason, referenceDocumentUri: typeof referenceDocumentUri === 'string' ? referenceDocumentUri : null,
    changes: changes.map((c) => ({
      name: c.name, delta: c.delta, quantityAfterChange: c.quantityAfterChange, ledgerDocumentUri: c.ledgerDocumentUri,
      item: ctx.store.inventoryItems.get(c.itemId) ?? null, location: ctx.store.locations.get(c.locationId) ?? null,
    })),
  };
}

/**
 * Runs a mutation under `@idempotent(key:)`: the same key with the same arguments replays the first
 * result without writing again; the same key with other arguments is a userError.
 */
function idempotent<T extends { userErrors: UserErrorOut[] }>(
  args: Args, ctx: GraphQLContext, info: GraphQLResolveInfo, run: () => T, empty: Omit<T, 'userErrors'>,
): T {
  const directive = ctx.features.idempotentDirective ? info.schema.getDirective('idempotent') : undefined;
  const fieldNode = info.fieldNodes[0];
  const key = directive && fieldNode ? getDirectiveValues(directive, fieldNode, info.variableValues)?.key : undefined;
  if (typeof key !== 'string') {
    if (ctx.features.idempotentRequired) {
      throw new GraphQLError(`The @idempotent directive is required for ${info.fieldName} in API version ${ctx.features.version}.`, {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    return run();
  }
  const cacheKey = `${info.fieldName}:${key}`;
  const fingerprint = JSON.stringify(args);
  const previous = ctx.session.idempotency.get(cacheKey);
  if (previous) {
    if (previous.fingerprint === fingerprint) return previous.result as T;
    return { ...empty, userErrors: [{ field: null, message: 'The same idempotency key was used with different parameters.', code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH' }] } as T;
  }
  const result = run();
  ctx.session.idempotency.set(cacheKey, { fingerprint, result });
  return result;
}

function checkItemLocation(ctx: GraphQLContext, q: Input, path: string[]): { itemId: number; locationId: number } | UserErrorOut {
  const itemId = parseGid(q.inventoryItemId, 'InventoryItem')?.id;
  if (itemId === undefined || !ctx.store.inventoryItems.has(itemId)) {
    return { field: [...path, 'inventoryItemId'], message: 'The specified inventory item could not be found.', code: 'INVALID_INVENTORY_ITEM' };
  }
  const locationId = parseGid(q.locationId, 'Location')?.id;
  if (locationId === undefined || !ctx.store.locations.has(locationId)) {
    return { field: [...path, 'locationId'], message: 'The specified location could not be found.', code: 'INVALID_LOCATION' };
  }
  if (!findLevel(ctx.store, itemId, locationId)) {
    return { field: [...path, 'locationId'], message: 'The specified inventory item is not stocked at the location.', code: 'ITEM_NOT_STOCKED_AT_LOCATION' };
  }
  return { itemId, locationId };
}

/** The checks both inventory mutations make on their input before looking at any line. */
function checkCommon(input: Input): UserErrorOut | undefined {
  const name = String(input.name);
  if (name !== 'available' && name !== 'on_hand') {
    return { field: ['input', 'name'], message: "The quantity name must be either 'available' or 'on_hand'.", code: 'INVALID_NAME' };
  }
  if (!REASONS.has(String(input.reason))) return { field: ['input', 'reason'], message: 'The specified reason is invalid.', code: 'INVALID_REASON' };
  const uri = input.referenceDocumentUri;
  if (uri != null && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(String(uri))) {
    return { field: ['input', 'referenceDocumentUri'], message: 'The specified reference document is invalid.', code: 'INVALID_REFERENCE_DOCUMENT' };
  }
  return undefined;
}

function setQuantities(args: Args, ctx: GraphQLContext) {
  const input = args.input as Input;
  const quantities = input.quantities as Input[];
  checkInputSize(quantities, 'quantities');
  const invalid = checkCommon(input);
  // checkCommon accepted it: one of the two settable names.
  const name = String(input.name) as 'available' | 'on_hand';
  if (invalid) return { inventoryAdjustmentGroup: null, userErrors: [invalid] };
  const userErrors: UserErrorOut[] = [];
  const seen = new Set<string>();
  const planned: { itemId: number; locationId: number; quantity: number }[] = [];
  quantities.forEach((q, i) => {
    const path = ['input', 'quantities', String(i)];
    const target = checkItemLocation(ctx, q, path);
    if ('message' in target) return void userErrors.push(target);
    const quantity = Number(q.quantity);
    if (quantity < 0) return void userErrors.push({ field: [...path, 'quantity'], message: 'The quantity can\'t be negative.', code: 'INVALID_QUANTITY_NEGATIVE' });
    if (quantity > MAX_QUANTITY) return void userErrors.push({ field: [...path, 'quantity'], message: 'The quantity can\'t be higher than 1,000,000,000.', code: 'INVALID_QUANTITY_TOO_HIGH' });
    const pair = `${target.itemId}:${target.locationId}`;
    if (seen.has(pair)) return void userErrors.push({ field: path, message: 'The combination of inventoryItemId and locationId must be unique.', code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR' });
    seen.add(pair);
    const current = findLevel(ctx.store, target.itemId, target.locationId)?.quantities[name] ?? 0;
    if ('changeFromQuantity' in q) {
      // 2026-01+: null opts out of the check; a number must equal the persisted quantity.
      if (q.changeFromQuantity !== null && Number(q.changeFromQuantity) !== current) {
        return void userErrors.push({ field: [...path, 'changeFromQuantity'], message: 'The specified compare quantity does not match the current quantity.', code: 'CHANGE_FROM_QUANTITY_STALE' });
      }
    } else if (input.ignoreCompareQuantity !== true) {
      if (q.compareQuantity == null) {
        return void userErrors.push({ field: [...path, 'compareQuantity'], message: 'The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.', code: 'COMPARE_QUANTITY_REQUIRED' });
      }
      if (Number(q.compareQuantity) !== current) {
        return void userErrors.push({ field: [...path, 'compareQuantity'], message: 'The specified compare quantity does not match the current quantity.', code: 'COMPARE_QUANTITY_STALE' });
      }
    }
    planned.push({ itemId: target.itemId, locationId: target.locationId, quantity });
  });
  // All or nothing: one bad entry leaves every quantity as it was.
  if (userErrors.length > 0) return { inventoryAdjustmentGroup: null, userErrors };
  const changes: Change[] = [];
  ctx.store.action(() => {
    for (const p of planned) {
      const before = setQuantity(ctx.store, p.itemId, p.locationId, name as SettableQuantity, p.quantity) ?? 0;
      if (before === p.quantity) continue;
      const level = findLevel(ctx.store, p.itemId, p.locationId);
      const other = name === 'available' ? 'on_hand' : 'available';
      changes.push({ name, delta: p.quantity - before, quantityAfterChange: p.quantity, itemId: p.itemId, locationId: p.locationId, ledgerDocumentUri: null });
      changes.push({ name: other, delta: p.quantity - before, quantityAfterChange: level?.quantities[other] ?? 0, itemId: p.itemId, locationId: p.locationId, ledgerDocumentUri: null });
    }
  });
  return { inventoryAdjustmentGroup: adjustmentGroup(ctx, String(input.reason), input.referenceDocumentUri, changes), userErrors: [] };
}

function adjustQuantities(args: Args, ctx: GraphQLContext) {
  const input = args.input as Input;
  const changesIn = input.changes as Input[];
  checkInputSize(changesIn, 'changes');
  const invalid = checkCommon(input);
  // checkCommon accepted it: one of the two settable names.
  const name = String(input.name) as 'available' | 'on_hand';
  if (invalid) return { inventoryAdjustmentGroup: null, userErrors: [invalid] };
  const userErrors: UserErrorOut[] = [];
  const planned: { itemId: number; locationId: number; delta: number; ledger: string | null }[] = [];
  changesIn.forEach((c, i) => {
    const path = ['input', 'changes', String(i)];
    const target = checkItemLocation(ctx, c, path);
    if ('message' in target) return void userErrors.push(target);
    const ledger = typeof c.ledgerDocumentUri === 'string' ? c.ledgerDocumentUri : null;
    if (name !== 'available' && (ledger === null || ledger.startsWith('gid://shopify/'))) {
      return void userErrors.push({ field: [...path, 'ledgerDocumentUri'], message: 'A ledger document URI is required for this quantity name and must not be a Shopify GID.', code: 'INVALID_REFERENCE_DOCUMENT' });
    }
    planned.push({ ...target, delta: Number(c.delta), ledger });
  });
  if (userErrors.length > 0) return { inventoryAdjustmentGroup: null, userErrors };
  const changes: Change[] = [];
  ctx.store.action(() => {
    for (const p of planned) {
      const level = findLevel(ctx.store, p.itemId, p.locationId);
      if (!level) continue;
      adjustQuantity(ctx.store, level, name as SettableQuantity, p.delta);
      changes.push({ name, delta: p.delta, quantityAfterChange: level.quantities[name as SettableQuantity], itemId: p.itemId, locationId: p.locationId, ledgerDocumentUri: p.ledger });
    }
  });
  return { inventoryAdjustmentGroup: adjustmentGroup(ctx, String(input.reason), input.referenceDocumentUri, changes), userErrors: [] };
}

export const inventoryMutations = {
  inventoryActivate: (_r: unknown, args: Args, ctx: GraphQLContext) => {
    requireScope(ctx, 'write_inventory', 'inventoryActivate');
    const itemId = parseGid(args.inventoryItemId, 'InventoryItem')?.id;
    if (itemId === undefined || !ctx.store.inventoryItems.has(itemId)) {
      return { inventoryLevel: null, userErrors: [{ field: ['inventoryItemId'], message: 'Inventory item does not exist' }] };
    }
    const locationId = parseGid(args.locationId, 'Location')?.id;
    if (locationId === undefined || !ctx.store.locations.has(locationId)) {
      return { inventoryLevel: null, userErrors: [{ field: ['locationId'], message: 'Location does not exist' }] };
    }
    const available = typeof args.available === 'number' ? args.available : undefined;
    return { inventoryLevel: activateInventory(ctx.store, itemId, locationId, available), userErrors: [] };
  },
  inventorySetQuantities: (_r: unknown, args: Args, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
    requireScope(ctx, 'write_inventory', 'inventorySetQuantities');
    return idempotent(args, ctx, info, () => setQuantities(args, ctx), { inventoryAdjustmentGroup: null });
  },
  inventoryAdjustQuantities: (_r: unknown, args: Args, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
    requireScope(ctx, 'write_inventory', 'inventoryAdjustQuantities');
    return idempotent(args, ctx, info, () => adjustQuantities(args, ctx), { inventoryAdjustmentGroup: null });
  },
};
