// What every resolver sees: the shop's data, the API version's switches, the caller's scopes and the
// services (bulk operations, webhook subscriptions) that mutations drive.
import { GraphQLError } from 'graphql';
import type { Faults } from '../faults.js';
import type { ResolvedOptions, VersionFeatures } from '../options.js';
import type { ShopifyStore } from '../store/store.js';
import type { BulkOperations } from '../bulk/operations.js';
import type { WebhookSubscriptions } from '../webhooks/subscriptions.js';
import type { SearchWarning } from './search-query.js';

export interface SearchExtension {
  path: (string | number)[];
  query: string;
  warnings: SearchWarning[];
}

export interface IdempotentResult {
  fingerprint: string;
  result: unknown;
}

/** State that outlives one request: idempotency keys and async productSet operations. */
export interface SessionState {
  idempotency: Map<string, IdempotentResult>;
  productOperations: Map<number, { id: number; productId: number | null; polled: boolean }>;
  nextProductOperationId: number;
  nextAdjustmentGroupId: number;
}

export function createSessionState(): SessionState {
  return { idempotency: new Map(), productOperations: new Map(), nextProductOperationId: 1_000_000, nextAdjustmentGroupId: 90_000_000 };
}

export interface GraphQLContext {
  store: ShopifyStore;
  features: VersionFeatures;
  options: ResolvedOptions;
  scopes: ReadonlySet<string>;
  bulk: BulkOperations;
  webhooks: WebhookSubscriptions;
  session: SessionState;
  faults: Faults;
  /** Set while a bulk operation exports: connection size limits do not apply. */
  unbounded: boolean;
  /** Filled by searches whose `query:` had unknown fields; returned as extensions.search. */
  searchWarnings: SearchExtension[];
  /** Real time of the request, for the search lag and the 60-day order window. */
  now: number;
}

export const ALL_SCOPES = [
  'read_products', 'write_products', 'read_inventory', 'write_inventory', 'read_locations', 'read_orders',
  'write_orders', 'read_all_orders', 'read_customers', 'write_customers',
] as const;

/** A write_ scope implies the matching read_ scope, as on Shopify. */
export function hasScope(ctx: GraphQLContext, scope: string): boolean {
  return ctx.scopes.has(scope) || (scope.startsWith('read_') && ctx.scopes.has(`write_${scope.slice(5)}`));
}

export function requireScope(ctx: GraphQLContext, scope: string, field: string): void {
  if (hasScope(ctx, scope)) return;
  throw new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: `\`${scope}\` access scope.` },
  });
}
