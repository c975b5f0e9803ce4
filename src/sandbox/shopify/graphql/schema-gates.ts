// Version switches of the schema that options.ts does not carry: differences between the sandbox's SDL
// and Shopify's Admin API reference found when checking the types the connector uses
// (docs/connectors/shopify.md lists the reference pages). Only the schema changes with them, not
// behaviour, so they live beside the SDL; schema.ts adds them to its cache key.

export interface SchemaGates {
  /** `WebhookSubscriptionInput.uri` and `WebhookSubscription.uri` exist from 2025-10. */
  webhookUri: boolean;
  /** `callbackUrl` (input and object) and `WebhookSubscription.endpoint`, deprecated from 2025-10, are gone in 2026-07. */
  webhookCallbackUrlGone: boolean;
  /** `InventoryQuantityInput.compareQuantity`, deprecated from 2025-10, is gone in 2026-07. */
  compareQuantityGone: boolean;
}

function atLeast(version: string, min: string): boolean {
  // `unstable` carries every released change, as in options.ts.
  return version === 'unstable' || version >= min;
}

export function schemaGates(version: string): SchemaGates {
  return {
    webhookUri: atLeast(version, '2025-10'),
    webhookCallbackUrlGone: atLeast(version, '2026-07'),
    compareQuantityGone: atLeast(version, '2026-07'),
  };
}

export function gatesKey(g: SchemaGates): string {
  return [g.webhookUri, g.webhookCallbackUrlGone, g.compareQuantityGone].map((b) => (b ? 1 : 0)).join('');
}
