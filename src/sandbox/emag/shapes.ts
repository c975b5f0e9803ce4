// The JSON eMAG answers with: naive local timestamps, decimals as strings, read-only offer fields.
import { formatLocal } from '../../core/local-time.js';
import type { Offer, Order } from './store.js';
import { voucherSplits } from './vouchers.js';

export function orderJson(o: Order, timeZone: string, currency: string): Record<string, unknown> {
  const t = (ms: number) => formatLocal(ms, timeZone);
  const splits = voucherSplits(o);
  return {
    id: o.id,
    status: o.status,
    is_complete: o.is_complete,
    type: o.type,
    payment_mode_id: o.payment_mode_id,
    payment_mode: o.payment_mode_id === 1 ? 'RAMBURS' : o.payment_mode_id === 2 ? 'TRANSFER BANCAR' : o.payment_mode_id === 3 ? 'CARD ONLINE' : null,
    delivery_mode: o.delivery_mode,
    details: [],
    date: t(o.dateMs),
    created: t(o.createdMs),
    modified: t(o.modifiedMs),
    payment_status: o.payment_status,
    cashed_co: o.payment_mode_id === 3 && o.payment_status === 1 ? '1' : '0',
    cashed_cod: '0',
    shipping_tax: o.shipping_tax,
    shipping_tax_voucher_split: splits.shipping,
    customer: { ...o.customer, mkt_id: o.customer.id, company: '', gender: '', code: null, legal_entity: 0, is_vat_payer: 0, created: t(o.createdMs), modified: t(o.createdMs) },
    products: o.products.map((l) => ({
      id: l.id,
      product_id: l.product_id,
      mkt_id: l.product_id,
      name: l.name,
      status: l.status,
      part_number: l.part_number,
      part_number_key: l.part_number_key,
      ext_part_number: l.ext_part_number,
      currency,
      quantity: l.quantity,
      initial_qty: l.initial_qty,
      storno_qty: l.storno_qty,
      sale_price: l.sale_price,
      original_price: l.original_price,
      vat: l.vat,
      created: t(l.createdMs),
      modified: t(l.modifiedMs),
      details: [],
      product_voucher_split: splits.byLine.get(l.id) ?? [],
      recycle_warranties: [],
      attachments: [],
      serial_numbers: '',
    })),
    attachments: [],
    // Ids and status as ints, decimals as strings, as production clients read them (supplierDB's Voucher record).
    vouchers: o.vouchers.map((v) => ({
      id: v.id, voucher_id: v.voucher_id, voucher_name: v.voucher_name, status: v.status, sale_price: v.sale_price, sale_price_vat: v.sale_price_vat,
      vat: v.vat, created: t(v.createdMs), modified: t(v.createdMs), issue_date: t(v.createdMs).slice(0, 10),
    })),
    is_storno: o.status === 5,
    refunded_amount: '0',
    refund_status: null,
    reason_cancellation: o.status === 0 ? 1 : null,
    maximum_date_for_shipment: t(o.createdMs + 2 * 86_400_000),
    finalization_date: o.status === 4 ? t(o.statusChangedMs) : null,
    parent_id: null,
    late_shipment: 0,
    flags: [],
    emag_club: 0,
    weekend_delivery: 0,
    currency,
    vendor_name: 'Sandbox Seller',
  };
}

export function offerJson(o: Offer, reserved: number, currency: string): Record<string, unknown> {
  const general = o.stock.reduce((sum, s) => sum + s.value, 0);
  return {
    id: o.id,
    name: o.name,
    part_number: o.part_number,
    part_number_key: o.part_number_key,
    ean: o.ean,
    status: o.status,
    sale_price: o.sale_price,
    min_sale_price: o.min_sale_price,
    max_sale_price: o.max_sale_price,
    recommended_price: o.recommended_price,
    currency,
    vat_id: o.vat_id,
    stock: o.stock.map((s) => ({ ...s })),
    handling_time: o.handling_time.map((h) => ({ ...h })),
    general_stock: general,
    estimated_stock: Math.max(0, general - reserved),
    number_of_offers: 1,
    buy_button_rank: 1,
    best_offer_sale_price: o.sale_price,
    ownership: 1,
    validation_status: [{ value: o.validation_status, description: o.validation_status === 9 ? 'Approved documentation' : 'Pending' }],
    offer_validation_status: { value: o.offer_validation_status, description: o.offer_validation_status === 1 ? 'Valid' : 'Invalid price' },
  };
}
