// Which channel orders a fulfilment connection (JTL-FFN) receives as outbounds (engine/fulfilments.ts).
import { z } from 'zod';

/** Storefronts whose orders can be sent to fulfilment. */
export const CHANNELS = ['shopify', 'woocommerce', 'emag'] as const;

/**
 * Which channel orders become outbounds. Statuses are compared case-insensitively in the channel's own
 * words (Shopify PAID/UNFULFILLED, eMAG paid/fulfilled_by_seller, WooCommerce's financial status); an
 * order without a fulfilment status matches. Absent: no order is sent (creating shipments is a real-world
 * action, so it is switched on deliberately).
 */
export const OutboundRule = z.strictObject({
  platforms: z.array(z.enum(CHANNELS)).min(1).default([...CHANNELS]),
  financialStatus: z.array(z.string().min(1)).min(1).default(['paid']),
  fulfillmentStatus: z.array(z.string().min(1)).default(['unfulfilled', 'fulfilled_by_seller']),
  /**
   * Order statuses that are never sent, paid or not: Shopify cancels without refunding, eMAG says
   * 'canceled', and a WooCommerce order has no fulfilment status, only `completed` once shipped.
   */
  excludeStatus: z.array(z.string().min(1)).default(['cancelled', 'canceled', 'completed', 'refunded', 'failed']),
  /** Orders placed before this instant are never sent (an initial import of old orders). */
  placedAfter: z.iso.datetime({ offset: true }).optional(),
});
export type OutboundRule = z.infer<typeof OutboundRule>;
