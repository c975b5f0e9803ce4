// Webhook subscription and bulk operation mutations, plus the resolvers of their object types.
import type { GraphQLResolveInfo } from 'graphql';
import { gid, isoSeconds, parseGid } from '../ids.js';
import { topicFromEnum } from '../store/events.js';
import type { BulkOperationRecord } from '../bulk/operations.js';
import { validateBulkQuery } from '../bulk/validate.js';
import { exportBulkQuery } from '../bulk/export.js';
import type { WebhookSubscriptionRecord } from '../webhooks/subscriptions.js';
import type { GraphQLContext } from './context.js';
import { schemaGates } from './schema-gates.js';

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;

function webhookSubscriptionCreate(_r: unknown, args: Args, ctx: GraphQLContext) {
  const topic = topicFromEnum(String(args.topic));
  const input = args.webhookSubscription as Input;
  const uri = input.uri ?? input.callbackUrl;
  if (!topic) return { webhookSubscription: null, userErrors: [{ field: ['topic'], message: 'Topic is not supported' }] };
  if (typeof uri !== 'string') {
    const field = schemaGates(ctx.features.version).webhookUri ? 'uri' : 'callbackUrl';
    return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', field], message: "Address can't be blank" }] };
  }
  const { subscription, userErrors } = ctx.webhooks.create({
    topic, uri, format: input.format === 'XML' ? 'XML' : 'JSON',
    includeFields: Array.isArray(input.includeFields) ? input.includeFields.map(String) : [],
    filter: typeof input.filter === 'string' ? input.filter : null, apiVersion: ctx.features.version,
  });
  return { webhookSubscription: subscription ?? null, userErrors };
}

function webhookSubscriptionUpdate(_r: unknown, args: Args, ctx: GraphQLContext) {
  const parsed = parseGid(args.id, 'WebhookSubscription');
  const input = args.webhookSubscription as Input;
  const uri = input.uri ?? input.callbackUrl;
  const updated = parsed ? ctx.webhooks.update(parsed.id, {
    uri: typeof uri === 'string' ? uri : undefined,
    includeFields: Array.isArray(input.includeFields) ? input.includeFields.map(String) : undefined,
    filter: typeof input.filter === 'string' ? input.filter : undefined,
  }) : undefined;
  if (!updated) return { webhookSubscription: null, userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }] };
  return { webhookSubscription: updated, userErrors: [] };
}

function webhookSubscriptionDelete(_r: unknown, args: Args, ctx: GraphQLContext) {
  const parsed = parseGid(args.id, 'WebhookSubscription');
  if (!parsed || !ctx.webhooks.delete(parsed.id)) {
    return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }] };
  }
  return { deletedWebhookSubscriptionId: gid('WebhookSubscription', parsed.id), userErrors: [] };
}

function bulkOperationRunQuery(_r: unknown, args: Args, ctx: GraphQLContext, info: GraphQLResolveInfo) {
  const query = String(args.query);
  const checked = validateBulkQuery(info.schema, query);
  if ('errors' in checked) return { bulkOperation: null, userErrors: checked.errors };
  const grouped = typeof args.groupObjects === 'boolean' ? args.groupObjects : ctx.features.groupObjectsDefault;
  // The export runs later, through the same resolvers, with the page-size cap lifted.
  const exportCtx: GraphQLContext = { ...ctx, unbounded: true, searchWarnings: [], now: Date.now() };
  const childrenFirst = !grouped && ctx.faults.current.bulkUngroupedChildrenFirst;
  const { operation, userErrors } = ctx.bulk.start(query, grouped, ctx.features.bulkQueryConcurrency, (control) =>
    exportBulkQuery(info.schema, checked.document, checked.operation, exportCtx, { grouped, childrenFirst }, control));
  return { bulkOperation: operation ?? null, userErrors };
}

function bulkOperationCancel(_r: unknown, args: Args, ctx: GraphQLContext) {
  const parsed = parseGid(args.id, 'BulkOperation');
  if (!parsed) return { bulkOperation: null, userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
  const { operation, userErrors } = ctx.bulk.cancel(parsed.id);
  return { bulkOperation: operation ?? null, userErrors };
}

export const platformMutations = {
  webhookSubscriptionCreate, webhookSubscriptionUpdate, webhookSubscriptionDelete, bulkOperationRunQuery, bulkOperationCancel,
};

export const bulkOperationResolvers = {
  id: (op: BulkOperationRecord) => gid('BulkOperation', op.id),
  createdAt: (op: BulkOperationRecord) => isoSeconds(op.createdAt),
  completedAt: (op: BulkOperationRecord) => (op.completedAt === null ? null : isoSeconds(op.completedAt)),
  // UnsignedInt64 counters are strings on the wire.
  objectCount: (op: BulkOperationRecord) => String(op.objectCount),
  rootObjectCount: (op: BulkOperationRecord) => String(op.rootObjectCount),
  fileSize: (op: BulkOperationRecord) => (op.fileSize === null || op.status !== 'COMPLETED' ? null : String(op.fileSize)),
};

export const webhookSubscriptionResolvers = {
  id: (s: WebhookSubscriptionRecord) => gid('WebhookSubscription', s.id),
  legacyResourceId: (s: WebhookSubscriptionRecord) => String(s.id),
  topic: (s: WebhookSubscriptionRecord) => s.topicEnum,
  endpoint: (s: WebhookSubscriptionRecord) => ({ callbackUrl: s.uri }),
  callbackUrl: (s: WebhookSubscriptionRecord) => s.uri,
  apiVersion: (s: WebhookSubscriptionRecord) => ({ handle: s.apiVersion, displayName: s.apiVersion, supported: true }),
  createdAt: (s: WebhookSubscriptionRecord) => isoSeconds(s.createdAt),
  updatedAt: (s: WebhookSubscriptionRecord) => isoSeconds(s.updatedAt),
};
