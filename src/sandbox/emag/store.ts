// The data of one seller account: orders and offers in eMAG's shapes, with instants kept as epoch ms and
// rendered as naive local timestamps only on the way out. Orders are kept in id order (the order the
// sandbox lists them in); every change moves `modified`, as the marketplace does.
import type { SandboxClock } from '../common/clock.js';

export interface OrderLine {
  id: number;
  product_id: number;
  part_number: string;
  part_number_key: string;
  ext_part_number: string;
  name: string;
  /** 1 active, 0 removed from the order. */
  status: 0 | 1;
  quantity: number;
  initial_qty: number;
  storno_qty: number;
  /** Without VAT, up to 4 decimals, as a string. */
  sale_price: string;
  original_price: string;
  vat: string;
  createdMs: number;
  modifiedMs: number;
}

export interface Customer {
  id: number;
  name: string;
  email: string;
  phone_1: string;
  billing_name: string;
  billing_country: string;
  billing_city: string;
  billing_street: string;
  billing_postal_code: string;
  shipping_country: string;
  shipping_city: string;
  shipping_street: string;
  shipping_postal_code: string;
  shipping_contact: string;
  shipping_phone: string;
}

export type OrderStatus = 0 | 1 | 2 | 3 | 4 | 5;

/** An entry of the order's `vouchers[]`. Amounts are negative strings with 4 decimals, as eMAG sends them. */
export interface Voucher {
  /** The entry's own id (a string in the docs' example). */
  id: string;
  voucher_id: number;
  voucher_name: string;
  status: 0 | 1;
  /** The discount without VAT. */
  sale_price: string;
  /** The VAT part of the discount: the customer's saving is sale_price + sale_price_vat. */
  sale_price_vat: string;
  vat: string;
  /** What it reduces: the products (product_voucher_split) or the shipping tax (shipping_tax_voucher_split). */
  appliesTo: 'products' | 'shipping';
  offered_by: 'emag' | 'seller';
  createdMs: number;
}

export interface Order {
  id: number;
  status: OrderStatus;
  /** 2 fulfilled by eMAG (FBE), 3 fulfilled by the seller. */
  type: 2 | 3;
  is_complete: 0 | 1;
  /** 1 COD, 2 bank transfer, 3 online card; sometimes null (observed). */
  payment_mode_id: 1 | 2 | 3 | null;
  payment_status: 0 | 1;
  delivery_mode: 'courier' | 'pickup';
  /** What the customer pays for delivery, VAT included. */
  shipping_tax: string;
  dateMs: number;
  createdMs: number;
  modifiedMs: number;
  /** When the status last changed: the 48 h rules count from here. */
  statusChangedMs: number;
  customer: Customer;
  products: OrderLine[];
  vouchers: Voucher[];
}

export interface Offer {
  id: number;
  name: string;
  part_number: string;
  part_number_key: string;
  ean: string[];
  status: 0 | 1 | 2;
  sale_price: string;
  min_sale_price: string;
  max_sale_price: string;
  recommended_price: string | null;
  vat_id: number;
  stock: { warehouse_id: number; value: number }[];
  handling_time: { warehouse_id: number; value: number }[];
  validation_status: number;
  offer_validation_status: number;
  /** Offers in an active stock-in-site campaign refuse stock and offer updates. */
  campaignLock: string | null;
}

export class AccountStore {
  readonly orders: Order[] = [];
  readonly orderById = new Map<number, Order>();
  readonly offers: Offer[] = [];
  readonly offerById = new Map<number, Offer>();

  constructor(private readonly clock: SandboxClock) {}

  clear(): void {
    this.orders.length = 0;
    this.orderById.clear();
    this.offers.length = 0;
    this.offerById.clear();
  }

  addOrder(order: Order): void {
    if (this.orderById.has(order.id)) throw new Error(`order ${order.id} exists`);
    // Ids only grow, so appending keeps the list in id order.
    const last = this.orders[this.orders.length - 1];
    this.orders.push(order);
    if (last && last.id > order.id) this.orders.sort((a, b) => a.id - b.id);
    this.orderById.set(order.id, order);
  }

  addOffer(offer: Offer): void {
    const last = this.offers[this.offers.length - 1];
    this.offers.push(offer);
    if (last && last.id > offer.id) this.offers.sort((a, b) => a.id - b.id);
    this.offerById.set(offer.id, offer);
  }

  touch(order: Order): void {
    order.modifiedMs = Math.max(this.clock.now(), order.modifiedMs + 1000);
  }

  /** Units held by new (unacknowledged) orders per offer: what `estimated_stock` subtracts. */
  reservedByNewOrders(): Map<number, number> {
    const reserved = new Map<number, number>();
    for (const o of this.orders) {
      if (o.status !== 1) continue;
      for (const l of o.products) if (l.status === 1) reserved.set(l.product_id, (reserved.get(l.product_id) ?? 0) + l.quantity);
    }
    return reserved;
  }
}
