// Outbound lifecycle (section 2 "Outbound", section 5): creation reserves stock in the warehouse (as much as is
// available: a short outbound is still accepted and waits for stock, so levels never go negative), status
// changes stamp statusTimestamp, shipping writes an OutboundShippingNotification and turns the reservation into
// a Delivery, cancelling releases what is still reserved. Transitions are unpublished, so only the final states
// (Shipped, Canceled, PartiallyCanceled) are enforced. PATCH needs objectVersion = modificationInfo.updatedAt.
import { badRequest, FfnError } from './errors.js';
import type { FfnRuntime } from './runtime.js';
import { moveStock } from './stock.js';
import { type Actor, FULFILLER, type OutboundItemRec, type OutboundRec, type PackageRec, round } from './store.js';

type Json = Record<string, unknown>;

export const STATUSES = ['Preparation', 'Pending', 'Acknowledged', 'Pickprocess', 'Locked', 'PartiallyShipped', 'Shipped', 'PartiallyCanceled', 'Canceled'];
const FINAL = ['Shipped', 'Canceled', 'PartiallyCanceled'];
/** Before the fulfiller starts picking, the merchant may still cancel (unconfirmed; the sheet has no cancel route). */
const CANCELABLE = ['Preparation', 'Pending', 'Acknowledged'];
const SHIPPING_TYPES = ['Standard', 'Expedited', 'NextDay', 'SecondDay', 'SameDay', 'ByShippingLabelProvider'];
const ITEM_TYPES = ['Product', 'Shipping', 'Other', 'BillOfMaterials'];
const HEADER_FIELDS = ['externalNumber', 'priority', 'internalNote', 'externalNote', 'premiumType', 'salesChannel', 'attributes',
  'desiredDeliveryDate', 'shippingMethodId', 'shippingType', 'shippingAddress', 'senderAddress', 'shippingFee', 'orderValue', 'attachments'];
const ITEM_EXTRA = ['name', 'price', 'vat', 'externalNumber', 'note', 'billOfMaterialsId'];

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const tsKey = (status: string) => status.charAt(0).toLowerCase() + status.slice(1);
const invalid = (problems: string[]) => badRequest('Outbounds_ValidationError', problems.join('; '), { errors: problems });

export function findOutboundOr404(runtime: FfnRuntime, outboundId: string): OutboundRec {
  const o = runtime.store.outbounds.get(outboundId);
  if (!o) throw new FfnError(404, 'Outbounds_OutboundNotFound', `outbound ${outboundId} not found`);
  return o;
}

function touch(runtime: FfnRuntime, o: OutboundRec, actor: Actor): void {
  o.mod = { ...o.mod, updatedAt: runtime.stamp(o.mod.updatedAt), state: 'Modified' };
  runtime.store.outboundChanges.push({ seq: runtime.store.nextSeq(), at: o.mod.updatedAt, id: o.outboundId, actor });
}

function setStatus(o: OutboundRec, status: string, at: number): void {
  o.status = status;
  o.statusTimestamp[tsKey(status)] = at;
}

function checkHeader(body: Json, problems: string[]): void {
  if ('shippingType' in body && body.shippingType !== null && !SHIPPING_TYPES.includes(String(body.shippingType))) problems.push(`shippingType must be one of ${SHIPPING_TYPES.join(', ')}`);
  for (const key of ['shippingAddress', 'senderAddress']) if (key in body && body[key] !== null && !isObj(body[key])) problems.push(`${key} must be an object`);
  if ('priority' in body && typeof body.priority !== 'number') problems.push('priority must be a number');
}

function resolveItems(runtime: FfnRuntime, raw: unknown, problems: string[]): OutboundItemRec[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push('items must be a non-empty array');
    return [];
  }
  return raw.map((item, index) => {
    const it: Json = isObj(item) ? item : {};
    const where = `items[${index}]`;
    const itemType = it.itemType === undefined ? 'Product' : String(it.itemType);
    if (!ITEM_TYPES.includes(itemType)) problems.push(`${where}.itemType must be one of ${ITEM_TYPES.join(', ')}`);
    const quantity = it.quantity;
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) problems.push(`${where}.quantity must be a positive number`);
    let jfsku: string | null = null;
    let merchantSku: string | null = nonEmpty(it.merchantSku) ? it.merchantSku : null;
    if (itemType === 'Product' || itemType === 'BillOfMaterials') {
      const key = nonEmpty(it.jfsku) ? it.jfsku : merchantSku;
      const product = key === null ? undefined : runtime.store.findProduct(key);
      if (!product) problems.push(key === null ? `${where} needs jfsku or merchantSku` : `${where}: product ${key} not found`);
      else [jfsku, merchantSku] = [product.jfsku, product.fields.merchantSku];
    }
    const q = typeof quantity === 'number' ? round(quantity) : 0;
    return {
      outboundItemId: nonEmpty(it.outboundItemId) ? it.outboundItemId : String(index + 1), jfsku, merchantSku, itemType,
      quantity: q, quantityOpen: q, reserved: 0, extra: Object.fromEntries(ITEM_EXTRA.filter((k) => k in it).map((k) => [k, it[k]])),
    };
  });
}

export function createOutbound(runtime: FfnRuntime, body: unknown, actor: Actor): OutboundRec {
  const { store, options } = runtime;
  if (!isObj(body)) throw invalid(['the body must be a JSON object']);
  const problems: string[] = [];
  if (!nonEmpty(body.merchantOutboundNumber)) problems.push('merchantOutboundNumber is required');
  if (!nonEmpty(body.warehouseId)) problems.push('warehouseId is required');
  else if (!store.warehouses.has(body.warehouseId)) problems.push(`warehouse ${body.warehouseId} not found`);
  if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) problems.push('currency must be an ISO 4217 code');
  const address = body.shippingAddress;
  if (!isObj(address)) problems.push('shippingAddress is required');
  else {
    for (const k of ['street', 'city', 'zip', 'country']) if (!nonEmpty(address[k])) problems.push(`shippingAddress.${k} is required`);
    if (!nonEmpty(address.lastname) && !nonEmpty(address.company)) problems.push('shippingAddress needs lastname or company');
  }
  checkHeader(body, problems);
  const items = resolveItems(runtime, body.items, problems);
  const ids = new Set(items.map((i) => i.outboundItemId));
  if (ids.size !== items.length) problems.push('outboundItemId must be unique within the outbound');
  if (problems.length > 0) throw invalid(problems);

  const number = body.merchantOutboundNumber as string;
  const earlier = store.outboundNumbers.get(number) ?? [];
  if (earlier.length > 0) {
    if (options.rejectDuplicateOutboundNumbers) {
      throw badRequest('Outbounds_DuplicateMerchantOutboundNumber', `an outbound with merchantOutboundNumber ${number} already exists`, { OutboundId: earlier[0] });
    }
    store.outboundNumberDuplicates += 1;
  }
  const at = runtime.stamp();
  const fields: Json = { merchantOutboundNumber: number, warehouseId: body.warehouseId, currency: body.currency };
  for (const k of HEADER_FIELDS) if (k in body) fields[k] = body[k];
  const o: OutboundRec = {
    outboundId: store.newOutboundId(options.merchantId), fields, items, status: 'Pending',
    statusTimestamp: { pending: at }, mod: { createdAt: at, updatedAt: at, state: 'New' },
  };
  store.outbounds.set(o.outboundId, o);
  store.outboundNumbers.set(number, [...earlier, o.outboundId]);
  for (const item of items) {
    if (item.jfsku === null) continue;
    const available = store.cell(item.jfsku, o.fields.warehouseId as string)?.stockLevel ?? 0;
    const take = round(Math.min(item.quantity, Math.max(0, available)));
    if (take <= 0) continue;
    item.reserved = take;
    moveStock(runtime, item.jfsku, o.fields.warehouseId as string, {
      changeType: 'Reservation', actor, delta: { stockLevel: -take, stockLevelReserved: take }, outboundItem: { outboundId: o.outboundId, outboundItemId: item.outboundItemId },
    });
  }
  store.outboundChanges.push({ seq: store.nextSeq(), at, id: o.outboundId, actor });
  scheduleProgress(runtime, o);
  return o;
}

/** Merchant PATCH: header fields, or `status: "Canceled"` before picking; objectVersion must be current. */
export function patchOutbound(runtime: FfnRuntime, outboundId: string, body: unknown, actor: Actor): OutboundRec {
  const o = findOutboundOr404(runtime, outboundId);
  if (!isObj(body)) throw invalid(['the body must be a JSON object']);
  if (!nonEmpty(body.objectVersion)) throw invalid(['objectVersion is required']);
  if (Date.parse(body.objectVersion) !== o.mod.updatedAt) {
    throw new FfnError(409, 'Outbounds_ObjectVersionConflict', 'the outbound was modified since objectVersion', { currentObjectVersion: new Date(o.mod.updatedAt).toISOString() });
  }
  if (FINAL.includes(o.status)) throw badRequest('Outbounds_NotModifiable', `outbound is ${o.status}`);
  const problems: string[] = [];
  if ('items' in body) problems.push('items cannot be changed');
  if ('status' in body && body.status !== 'Canceled') problems.push('status can only be set to Canceled');
  checkHeader(body, problems);
  if (problems.length > 0) throw invalid(problems);
  if (body.status === 'Canceled' && !CANCELABLE.includes(o.status)) throw badRequest('Outbounds_NotCancelable', `outbound is ${o.status}`);
  for (const k of HEADER_FIELDS) {
    if (!(k in body)) continue;
    const old = o.fields[k];
    o.fields[k] = k === 'shippingAddress' && isObj(old) && isObj(body[k]) ? { ...old, ...body[k] } : body[k];
  }
  for (const k of ['cancelReasonCode', 'cancelReason']) if (k in body) o.fields[k] = body[k];
  if (body.status === 'Canceled') return cancelOutbound(runtime, o, actor);
  touch(runtime, o, actor);
  return o;
}

function cancelOutbound(runtime: FfnRuntime, o: OutboundRec, actor: Actor): OutboundRec {
  const warehouseId = o.fields.warehouseId as string;
  for (const item of o.items) {
    if (item.jfsku !== null && item.reserved > 0) {
      moveStock(runtime, item.jfsku, warehouseId, {
        changeType: 'ReservationCanceled', actor, delta: { stockLevel: item.reserved, stockLevelReserved: -item.reserved }, outboundItem: { outboundId: o.outboundId, outboundItemId: item.outboundItemId },
      });
    }
    item.reserved = 0;
    item.quantityOpen = 0;
  }
  const shippedSome = 'shipped' in o.statusTimestamp || 'partiallyShipped' in o.statusTimestamp;
  setStatus(o, shippedSome ? 'PartiallyCanceled' : 'Canceled', runtime.now());
  touch(runtime, o, actor);
  return o;
}

/** A fulfiller status change (control API, autoProgress). Shipped ships everything with generated tracking. */
export function advanceOutbound(runtime: FfnRuntime, outboundId: string, status: string, actor: Actor = FULFILLER): OutboundRec {
  const o = findOutboundOr404(runtime, outboundId);
  if (!STATUSES.includes(status)) throw badRequest('Outbounds_InvalidStatus', `status must be one of ${STATUSES.join(', ')}`);
  if (FINAL.includes(o.status)) throw badRequest('Outbounds_InvalidStatusTransition', `outbound is already ${o.status}`);
  if (status === 'Shipped') return shipOutbound(runtime, outboundId, {}, actor);
  if (status === 'PartiallyShipped') throw badRequest('Outbounds_InvalidStatusTransition', 'ship some items with shipOutbound(id, { items }) instead');
  if (status === 'Canceled' || status === 'PartiallyCanceled') return cancelOutbound(runtime, o, actor);
  setStatus(o, status, runtime.now());
  touch(runtime, o, actor);
  return o;
}

export interface ShipSpec {
  trackingUrl?: string;
  identifier?: string[];
  carrier?: string;
  /** Ship only these quantities (partial shipment); default everything still open. */
  items?: { outboundItemId: string; quantity: number }[];
}

export function shipOutbound(runtime: FfnRuntime, outboundId: string, spec: ShipSpec = {}, actor: Actor = FULFILLER): OutboundRec {
  const { store } = runtime;
  const o = findOutboundOr404(runtime, outboundId);
  if (FINAL.includes(o.status)) throw badRequest('Outbounds_InvalidStatusTransition', `outbound is already ${o.status}`);
  const lines = spec.items ?? o.items.filter((i) => i.quantityOpen > 0).map((i) => ({ outboundItemId: i.outboundItemId, quantity: i.quantityOpen }));
  const picked = lines.map((line) => {
    const item = o.items.find((i) => i.outboundItemId === line.outboundItemId);
    if (!item) throw badRequest('Outbounds_ValidationError', `outbound item ${line.outboundItemId} not found`);
    if (!(line.quantity > 0) || line.quantity > item.quantityOpen + 1e-9) throw badRequest('Outbounds_ValidationError', `cannot ship ${line.quantity} of item ${line.outboundItemId} (open ${item.quantityOpen})`);
    return { item, quantity: round(line.quantity) };
  });
  if (picked.length === 0) throw badRequest('Outbounds_ValidationError', 'nothing to ship');
  const warehouseId = o.fields.warehouseId as string;
  const at = runtime.now();
  const { id, number } = store.newNotificationId();
  const notificationItems: { outboundShippingNotificationItemId: string; jfsku: string; quantity: number }[] = [];
  for (const [index, { item, quantity }] of picked.entries()) {
    item.quantityOpen = round(item.quantityOpen - quantity);
    if (item.jfsku === null) continue;
    const fromReserved = Math.min(item.reserved, quantity);
    // Goods shipped beyond the reservation leave the available level, which never goes below zero.
    const fromAvailable = Math.min(round(quantity - fromReserved), Math.max(0, store.cell(item.jfsku, warehouseId)?.stockLevel ?? 0));
    item.reserved = round(item.reserved - fromReserved);
    moveStock(runtime, item.jfsku, warehouseId, {
      changeType: 'Delivery', actor, delta: { stockLevel: -fromAvailable, stockLevelReserved: -fromReserved }, outboundItem: { outboundId: o.outboundId, outboundItemId: item.outboundItemId },
    });
    notificationItems.push({ outboundShippingNotificationItemId: `${id}-${index + 1}`, jfsku: item.jfsku, quantity });
  }
  const carrier = spec.carrier ?? 'DHL';
  const identifier = spec.identifier ?? [`JJD${String(at).slice(-8)}${number.replace(/\D/g, '').padStart(6, '0')}`];
  const pkg: PackageRec = {
    freightOption: carrier, identifier, shippingDate: at, estimatedDeliveryDate: at + 2 * 86_400_000,
    trackingUrl: spec.trackingUrl ?? `https://tracking.sandbox.invalid/${encodeURIComponent(carrier)}/${encodeURIComponent(identifier[0] ?? '')}`,
  };
  const done = o.items.every((i) => i.quantityOpen <= 0);
  setStatus(o, done ? 'Shipped' : 'PartiallyShipped', at);
  store.notifications.set(o.outboundId, [...(store.notifications.get(o.outboundId) ?? []), {
    outboundShippingNotificationId: id, fulfillerShippingNotificationNumber: number, outboundId: o.outboundId,
    items: notificationItems, packages: [pkg], outboundStatus: o.status, mod: { createdAt: at, updatedAt: at, state: 'New' },
  }]);
  touch(runtime, o, actor);
  return o;
}

/** autoProgress: the fulfiller acknowledges and ships on its own after the configured (time-scaled) delays. */
function scheduleProgress(runtime: FfnRuntime, o: OutboundRec): void {
  const auto = runtime.options.autoProgress;
  if (!auto) return;
  // A seed() in between replaces the store; the timer must not touch a new outbound that reuses the id.
  const alive = () => runtime.store.outbounds.get(o.outboundId) === o && !FINAL.includes(o.status);
  const step = (fn: () => void) => () => {
    try {
      if (alive()) fn();
    } catch {
      // A concurrent merchant change (e.g. a cancel) won the race: nothing to do.
    }
  };
  runtime.clock.after(auto.acknowledgeAfterMs, step(() => {
    if (o.status === 'Pending') advanceOutbound(runtime, o.outboundId, 'Acknowledged');
  }));
  runtime.clock.after(Math.max(auto.shipAfterMs, auto.acknowledgeAfterMs), step(() => {
    if (o.status === 'Pending') advanceOutbound(runtime, o.outboundId, 'Acknowledged');
    shipOutbound(runtime, o.outboundId);
  }));
}
