// What the marketplace (or its staff, or the buyer) does to orders: the status machine of
// platforms/emag.md section 2, acknowledgement, line edits and new orders. Every change moves `modified`.
import { z } from 'zod';
import type { SandboxClock } from '../common/clock.js';
import { SeededRandom } from '../common/random.js';
import { customerFor } from './seed.js';
import type { AccountStore, Order, OrderStatus } from './store.js';
import { voucherOf } from './vouchers.js';

export class MarketplaceError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const H48 = 48 * 3_600_000;

/** Allowed moves; 1 -> 2 is missing on purpose: only order/acknowledge does that. */
const MOVES: Record<OrderStatus, OrderStatus[]> = { 1: [0], 2: [2, 3, 4, 0], 3: [3, 4, 0], 4: [3, 0, 5], 0: [2, 3, 4], 5: [] };

export const OrderEditSchema = z.strictObject({
  status: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]).optional(),
  payment_status: z.union([z.literal(0), z.literal(1)]).optional(),
  payment_mode_id: z.union([z.literal(1), z.literal(2), z.literal(3), z.null()]).optional(),
  shipping_tax: z.string().regex(/^\d+(\.\d{1,4})?$/).optional(),
  /** Line changes: quantity, or status 0 to remove a line. */
  lines: z.array(z.strictObject({ id: z.number().int(), quantity: z.number().int().min(1).optional(), status: z.union([z.literal(0), z.literal(1)]).optional() })).optional(),
});
export type OrderEdit = z.infer<typeof OrderEditSchema>;

export function acknowledge(store: AccountStore, id: number): Order {
  const order = store.orderById.get(id);
  if (!order) throw new MarketplaceError(200, `Order ${id} does not exist.`);
  if (order.status === 0) throw new MarketplaceError(200, `Order ${id} was canceled and cannot be acknowledged.`);
  // Repeated acknowledgement is undocumented; the sandbox treats it as a no-op success.
  if (order.status !== 1) return order;
  order.status = 2;
  order.statusChangedMs = Date.now();
  store.touch(order);
  return order;
}

/** An edit as the marketplace would make it; refused with a message when eMAG would refuse it. */
export function editOrder(store: AccountStore, clock: SandboxClock, id: number, edit: OrderEdit): Order {
  const order = store.orderById.get(id);
  if (!order) throw new MarketplaceError(404, `order ${id} not found`);
  const now = clock.now();
  if (edit.status !== undefined && edit.status !== order.status) {
    const from = order.status;
    const to = edit.status;
    if (!MOVES[from].includes(to)) {
      throw new MarketplaceError(409, from === 1 && to === 2 ? 'a new order moves to 2 only through order/acknowledge' : `status ${from} cannot move to ${to}`);
    }
    // The 48 h rules run on platform time: compressed by the time scale like every other duration.
    const elapsed = (now - order.statusChangedMs) * clock.timeScale;
    if ((from === 4 && to !== 5) || from === 0) {
      if (elapsed > H48) throw new MarketplaceError(409, `status ${from} can only move to ${to} within 48 h`);
    }
    order.status = to;
    order.statusChangedMs = now;
    order.is_complete = to === 1 ? 0 : 1;
  }
  if (edit.lines) {
    if (order.status !== 2 && order.status !== 3) throw new MarketplaceError(409, 'lines can only be edited in status 2 or 3');
    for (const change of edit.lines) {
      const line = order.products.find((l) => l.id === change.id);
      if (!line) throw new MarketplaceError(404, `line ${change.id} not in order ${id}`);
      if (change.quantity !== undefined) line.quantity = change.quantity;
      if (change.status !== undefined) line.status = change.status;
      line.modifiedMs = now;
    }
  }
  if (edit.payment_status !== undefined) order.payment_status = edit.payment_status;
  if (edit.payment_mode_id !== undefined) order.payment_mode_id = edit.payment_mode_id;
  if (edit.shipping_tax !== undefined) order.shipping_tax = edit.shipping_tax;
  store.touch(order);
  return order;
}

export const NewOrderSchema = z.strictObject({
  /** 1 new (default), or 0: a buyer cancelled before acknowledgement, so the order is first seen canceled. */
  status: z.union([z.literal(0), z.literal(1)]).default(1),
  lines: z.array(z.strictObject({ offerId: z.number().int(), quantity: z.number().int().min(1).default(1) })).min(1).optional(),
  /** Vouchers the buyer used: `value` is what each is worth to them, VAT included ("10.00"). */
  vouchers: z.array(z.strictObject({
    value: z.string().regex(/^\d+(\.\d{1,2})?$/),
    vat: z.string().regex(/^0\.\d{1,4}$/).default('0.1900'),
    appliesTo: z.enum(['products', 'shipping']).default('products'),
  })).optional(),
});

/** A buyer places an order: the next id of the account, lines from the account's offers. */
export function placeOrder(store: AccountStore, clock: SandboxClock, type: 2 | 3, idBase: number, input: z.infer<typeof NewOrderSchema>): Order {
  const last = store.orders[store.orders.length - 1];
  const id = Math.max(idBase, last?.id ?? idBase) + 1;
  const rnd = new SeededRandom(id);
  const now = Math.floor(clock.now() / 1000) * 1000;
  const wanted = input.lines ?? [{ offerId: store.offers[0]?.id ?? -1, quantity: 1 }];
  const products = wanted.map((w, i) => {
    const offer = store.offerById.get(w.offerId);
    if (!offer) throw new MarketplaceError(404, `offer ${w.offerId} not found`);
    return {
      id: id * 10 + i, product_id: offer.id, part_number: offer.part_number, part_number_key: offer.part_number_key,
      ext_part_number: offer.part_number, name: offer.name, status: 1 as const, quantity: w.quantity, initial_qty: w.quantity,
      storno_qty: 0, sale_price: offer.sale_price, original_price: offer.sale_price, vat: '0.1900', createdMs: now, modifiedMs: now,
    };
  });
  const order: Order = {
    id, status: input.status, type, is_complete: 0, payment_mode_id: 1, payment_status: 0, delivery_mode: 'courier',
    shipping_tax: '15.9900', dateMs: now, createdMs: now, modifiedMs: now, statusChangedMs: now, customer: customerFor(id, rnd), products,
    vouchers: (input.vouchers ?? []).map((v, i) => voucherOf({
      id: `${id}${i + 1}`, voucherId: 600_000 + i, name: `Voucher ${v.value}`, grossCents: Math.round(Number(v.value) * 100), vat: v.vat,
      appliesTo: v.appliesTo, offeredBy: 'seller', createdMs: now,
    })),
  };
  store.addOrder(order);
  return order;
}
