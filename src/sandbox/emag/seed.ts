// Deterministic data per account: the same seed and counts always give the same orders and offers, so
// tests and benchmarks can compare a hub against a known truth. Order ids are per account ranges so the
// accounts of one sandbox never share an id.
import { SeededRandom } from '../common/random.js';
import type { AccountStore, Customer, Offer, Order, OrderLine, OrderStatus, Voucher } from './store.js';
import { goodsValue, voucherOf } from './vouchers.js';

export interface SeedSpec {
  orders?: number;
  offers?: number;
  linesPerOrder?: number;
  /** Share of orders still new (status 1, unacknowledged). Default 0.1. */
  newShare?: number;
  /** Orders are created over this many days before `baseTime`. Default 90 (several one-month windows). */
  spanDays?: number;
  /** Epoch ms the history ends at; default now. */
  baseTime?: number;
  /** Share of orders with a voucher on their products (default 0.2); half that share of the orders that pay
   * for delivery also get a free-delivery voucher. 0 gives orders without vouchers. */
  voucherShare?: number;
  seed?: number;
}

const DAY = 86_400_000;
const CITIES = ['Bucuresti', 'Cluj-Napoca', 'Iasi', 'Timisoara', 'Constanta', 'Brasov'];
const NAMES = ['Ana Popescu', 'Ion Ionescu', 'Maria Dumitru', 'Andrei Stan', 'Elena Gheorghe', 'Mihai Radu'];

export const money = (cents: number): string => (cents / 100).toFixed(4);

export function orderIdBase(accountIndex: number): number {
  return (accountIndex + 1) * 100_000_000;
}

export function offerFor(id: number, rnd: SeededRandom): Offer {
  const price = rnd.int(1_000, 200_000);
  return {
    id,
    name: `Sandbox product ${id}`,
    part_number: `SKU-${id}`,
    part_number_key: `D${(id * 7919).toString(36).toUpperCase()}`,
    ean: [String(5940000000000 + id)],
    status: 1,
    sale_price: money(price),
    min_sale_price: money(Math.floor(price / 2)),
    max_sale_price: money(price * 3),
    recommended_price: money(Math.floor(price * 1.2)),
    vat_id: 1,
    stock: [{ warehouse_id: 1, value: rnd.int(0, 200) }],
    handling_time: [{ warehouse_id: 1, value: rnd.int(0, 3) }],
    validation_status: 9,
    offer_validation_status: 1,
    campaignLock: null,
  };
}

export function customerFor(id: number, rnd: SeededRandom): Customer {
  const name = rnd.pick(NAMES);
  const city = rnd.pick(CITIES);
  return {
    id,
    name,
    // eMAG hands out masked aliases, never the buyer's address.
    email: `${id}@emag.ro`,
    phone_1: `07${String(rnd.int(10_000_000, 99_999_999))}`,
    billing_name: name,
    billing_country: 'RO',
    billing_city: city,
    billing_street: `Str. Exemplu ${rnd.int(1, 200)}`,
    billing_postal_code: String(rnd.int(10_000, 99_999)),
    shipping_country: 'RO',
    shipping_city: city,
    shipping_street: `Str. Livrare ${rnd.int(1, 200)}`,
    shipping_postal_code: String(rnd.int(10_000, 99_999)),
    shipping_contact: name,
    shipping_phone: `07${String(rnd.int(10_000_000, 99_999_999))}`,
  };
}

const VOUCHER_CENTS = [500, 1_000, 1_500, 2_500, 5_000];

/**
 * Vouchers of one seeded order, shaped as eMAG's: a product voucher worth at most half of the goods, and
 * sometimes one that pays the delivery. They come from their own random sequence, so that turning them on
 * or off leaves every other seeded value as it was.
 */
export function seedVouchers(order: Order, rnd: SeededRandom, share: number): Voucher[] {
  const out: Voucher[] = [];
  const base = { vat: '0.1900', createdMs: order.createdMs };
  if (rnd.chance(share)) {
    const goodsCents = Number(goodsValue(order.products) / 100n);
    const fitting = VOUCHER_CENTS.filter((c) => c * 2 <= goodsCents);
    if (fitting.length > 0) {
      const grossCents = rnd.pick(fitting);
      out.push(voucherOf({
        ...base, id: `${order.id}1`, voucherId: 500_000 + rnd.int(1, 99_999), name: `Voucher ${grossCents / 100}`, grossCents,
        appliesTo: 'products', offeredBy: rnd.pick(['emag', 'seller'] as const),
      }));
    }
  }
  const shippingCents = Math.round(Number(order.shipping_tax) * 100);
  if (shippingCents > 0 && rnd.chance(share / 2)) {
    out.push(voucherOf({ ...base, id: `${order.id}2`, voucherId: 400_001, name: 'Transport gratuit', grossCents: shippingCents, appliesTo: 'shipping', offeredBy: 'emag' }));
  }
  return out;
}

function pickStatus(rnd: SeededRandom, newShare: number): OrderStatus {
  if (rnd.chance(newShare)) return 1;
  const r = rnd.next();
  return r < 0.05 ? 0 : r < 0.15 ? 2 : r < 0.25 ? 3 : r < 0.95 ? 4 : 5;
}

export function seedAccount(store: AccountStore, spec: SeedSpec, accountIndex: number, type: 2 | 3): { orders: number; offers: number } {
  const rnd = new SeededRandom((spec.seed ?? 1) * 7919 + accountIndex * 104_729);
  const voucherRnd = new SeededRandom((spec.seed ?? 1) * 6007 + accountIndex * 9_973 + 1);
  const voucherShare = spec.voucherShare ?? 0.2;
  const orders = spec.orders ?? 0;
  const offers = spec.offers ?? Math.max(1, Math.min(500, Math.ceil(orders / 10)));
  const linesPerOrder = Math.max(1, spec.linesPerOrder ?? 2);
  const newShare = spec.newShare ?? 0.1;
  const baseTime = Math.floor((spec.baseTime ?? Date.now()) / 1000) * 1000;
  const span = Math.max(1, spec.spanDays ?? 90) * DAY;
  store.clear();
  const offerBase = (accountIndex + 1) * 1_000_000;
  for (let i = 1; i <= offers; i++) store.addOffer(offerFor(offerBase + i, rnd));
  const base = orderIdBase(accountIndex);
  for (let i = 1; i <= orders; i++) {
    // Created times rise with the id, as ids are handed out in order; modified follows within two days.
    const createdMs = Math.floor((baseTime - span + (span * i) / (orders + 1)) / 1000) * 1000;
    const status = pickStatus(rnd, newShare);
    const modifiedMs = status === 1 ? createdMs : Math.min(baseTime - 1000, createdMs + rnd.int(0, 2 * 86_400) * 1000);
    const lines: OrderLine[] = [];
    const nLines = rnd.int(1, linesPerOrder);
    for (let l = 0; l < nLines; l++) {
      const offer = rnd.pick(store.offers);
      lines.push({
        id: (base + i) * 10 + l,
        product_id: offer.id,
        part_number: offer.part_number,
        part_number_key: offer.part_number_key,
        ext_part_number: offer.part_number,
        name: offer.name,
        status: 1,
        quantity: rnd.int(1, 3),
        initial_qty: 0,
        storno_qty: 0,
        sale_price: offer.sale_price,
        original_price: offer.sale_price,
        vat: '0.1900',
        createdMs,
        modifiedMs: createdMs,
      });
      lines[l]!.initial_qty = lines[l]!.quantity;
    }
    const order: Order = {
      id: base + i,
      status,
      type,
      is_complete: status === 1 ? 0 : 1,
      payment_mode_id: rnd.chance(0.02) ? null : (rnd.pick([1, 2, 3] as const)),
      payment_status: status >= 4 ? 1 : 0,
      delivery_mode: rnd.chance(0.3) ? 'pickup' : 'courier',
      shipping_tax: money(rnd.pick([0, 1_599, 1_999])),
      dateMs: createdMs,
      createdMs,
      modifiedMs,
      statusChangedMs: modifiedMs,
      customer: customerFor(base + i, rnd),
      products: lines,
      vouchers: [],
    };
    order.vouchers = seedVouchers(order, voucherRnd, voucherShare);
    store.addOrder(order);
  }
  return { orders, offers };
}
