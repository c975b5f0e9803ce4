// Privacy requests a platform sends about the data it shared with us (Shopify's mandatory compliance
// webhooks), in one platform-neutral shape: the connector parses its payload into it, the engine
// applies it (src/engine/privacy.ts). Stored events are read back through the same schema, since
// stored data is never trusted to have a shape.
import { z } from 'zod';

/** The webhook event stream of privacy requests (WebhookEvent.stream). */
export const PRIVACY_STREAM = 'privacy';

export const PrivacyKind = z.enum(['data_request', 'customer_redact', 'shop_redact']);
export type PrivacyKind = z.infer<typeof PrivacyKind>;

export const PrivacyRequest = z.strictObject({
  kind: PrivacyKind,
  /** The platform's topic, e.g. customers/redact. */
  topic: z.enum(['customers/data_request', 'customers/redact', 'shop/redact']),
  shopId: z.string().max(40).nullable(),
  /** The shop the request is about: a request for another shop is not applied to this connection. */
  shopDomain: z.string().max(255).nullable(),
  /** Customer topics only. externalId is the id the pull links (a Shopify GID). */
  customer: z
    .strictObject({
      externalId: z.string().max(200).nullable(),
      email: z.string().max(320).nullable(),
      phone: z.string().max(64).nullable(),
    })
    .nullable(),
  /** orders_requested / orders_to_redact, as the external ids the pull links. */
  orderExternalIds: z.array(z.string().max(200)).max(10_000),
  dataRequestId: z.string().max(40).nullable(),
});
export type PrivacyRequest = z.infer<typeof PrivacyRequest>;

/** WebhookEvent.payload of a privacy event. */
export interface PrivacyEventPayload {
  topic: PrivacyRequest['topic'];
  request: PrivacyRequest;
}
