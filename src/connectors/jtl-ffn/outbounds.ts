// Creating the outbound of a hub order (engine/fulfilments.ts queues it as a pull write of the JTL
// connection, performed after the commit that stored the order, at least once).
//
// JTL documents no idempotency key, and whether it refuses a second outbound with the same
// merchantOutboundNumber is not published (platforms/jtl-ffn.md section 5). The number is therefore our
// idempotency key, and it is looked up before every create: an attempt whose answer was lost (a crash, a
// timeout) created the outbound, and its retry finds it instead of creating a second one.
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Ctx } from '../types.js';
import { jtlErrorOf, jtlList, MERCHANT, odata } from './api.js';
import type { JtlConfig } from './config-merged.js';

const Address = z.object({
  name: z.string().nullish(),
  company: z.string().nullish(),
  address1: z.string().nullish(),
  address2: z.string().nullish(),
  city: z.string().nullish(),
  zip: z.string().nullish(),
  province: z.string().nullish(),
  countryCode: z.string().nullish(),
  phone: z.string().nullish(),
}).passthrough();

/** What fulfilments.ts stores as the write's payload: the hub order as it was when it matched the rule. */
export const OutboundPayload = z.object({
  orderId: z.string().min(1),
  number: z.string().nullish(),
  currency: z.string().nullish(),
  total: z.union([z.string(), z.number()]).nullish(),
  email: z.string().nullish(),
  shippingAddress: Address.nullish(),
  lines: z.array(z.object({ sku: z.string().nullish(), name: z.string().nullish(), quantity: z.number().int().positive(), unitPrice: z.union([z.string(), z.number()]).nullish() })),
});
export type OutboundPayload = z.infer<typeof OutboundPayload>;

/** The outbound that already carries this number, if any. */
export async function findOutbound(ctx: Ctx<JtlConfig>, number: string): Promise<Record<string, unknown> | null> {
  const page = await jtlList<Record<string, unknown>>(ctx, 'outbounds', 0, { $filter: `merchantOutboundNumber eq ${odata(number)}` });
  // The filter is answered by the platform; a host that ignored it would list other outbounds.
  return page.items.find((o) => o.merchantOutboundNumber === number) ?? null;
}

/** The warehouse outbounds go to: the setting, else the merchant's first warehouse. */
async function warehouseOf(ctx: Ctx<JtlConfig>): Promise<string> {
  if (ctx.config.warehouseId) return ctx.config.warehouseId;
  const page = await jtlList<{ warehouseId?: unknown }>(ctx, 'warehouses', 0);
  const id = page.items.map((w) => w.warehouseId).find((w): w is string => typeof w === 'string' && w !== '');
  if (!id) throw new SyncError('config_invalid', 'the JTL-FFN merchant has no warehouse to send outbounds to; set settings.warehouseId');
  return id;
}

function splitName(name: string | null | undefined): { firstname?: string; lastname: string } {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { lastname: parts[0] ?? '' };
  return { firstname: parts.slice(0, -1).join(' '), lastname: parts.at(-1)! };
}

export async function createOutbound(ctx: Ctx<JtlConfig>, raw: unknown): Promise<void> {
  const parsed = OutboundPayload.safeParse(raw);
  if (!parsed.success) throw new SyncError('record_invalid', `outbound payload is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const order = parsed.data;
  const unsellable = order.lines.filter((l) => !l.sku);
  if (unsellable.length > 0 || order.lines.length === 0) {
    throw new SyncError('upstream_rejected', `order ${order.number ?? order.orderId} cannot be fulfilled: ${order.lines.length === 0 ? 'it has no lines' : `${unsellable.length} line(s) without a SKU`}`);
  }
  const a = order.shippingAddress;
  if (!a?.address1 || !a.city || !a.zip || !a.countryCode) {
    throw new SyncError('upstream_rejected', `order ${order.number ?? order.orderId} cannot be fulfilled: its shipping address lacks street, city, zip or country`);
  }
  if (await findOutbound(ctx, order.orderId)) return;
  const body = {
    merchantOutboundNumber: order.orderId,
    ...(order.number ? { externalNumber: order.number } : {}),
    warehouseId: await warehouseOf(ctx),
    currency: order.currency ?? 'EUR',
    shippingType: ctx.config.shippingType,
    ...(order.total !== null && order.total !== undefined ? { orderValue: Number(order.total) } : {}),
    items: order.lines.map((l, i) => ({
      outboundItemId: String(i + 1),
      merchantSku: l.sku!,
      quantity: l.quantity,
      ...(l.name ? { name: l.name } : {}),
      ...(l.unitPrice !== null && l.unitPrice !== undefined ? { price: Number(l.unitPrice) } : {}),
    })),
    shippingAddress: {
      ...splitName(a.name),
      ...(a.company ? { company: a.company } : {}),
      street: a.address1,
      ...(a.address2 ? { extraAddressLine: a.address2 } : {}),
      city: a.city,
      zip: a.zip,
      country: a.countryCode,
      ...(a.province ? { state: a.province } : {}),
      ...(order.email ? { email: order.email } : {}),
      ...(a.phone ? { phone: a.phone } : {}),
    },
  };
  try {
    // Not retried by the client: a lost answer may hide a created outbound; the next attempt looks it up first.
    await ctx.http.request({ method: 'POST', path: `${MERCHANT}/outbounds`, body, retry: false });
  } catch (err) {
    const e = jtlErrorOf(err);
    // A refusal names JTL's reason (an unknown SKU, a field it will not take): the write stays failed with it.
    if (err instanceof SyncError && e.code) throw new SyncError('upstream_rejected', `JTL-FFN refused the outbound of order ${order.number ?? order.orderId}: ${e.code}`, { cause: err, details: { code: e.code } });
    throw err;
  }
}
