// Builds the executable schema for an API version: SDL for the version's switches plus the resolvers.
// Schemas are cached per switch combination, so versions that behave alike share one.
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { buildSchema, isInterfaceType, isObjectType, isUnionType } from 'graphql';
import type { VersionFeatures } from '../options.js';
import { schemaKey } from '../options.js';
import type { GraphQLContext } from './context.js';
import { inventoryMutations } from './mutations-inventory.js';
import { bulkOperationResolvers, platformMutations, webhookSubscriptionResolvers } from './mutations-platform.js';
import { productMutations, productOperationResolvers } from './mutations-product.js';
import { nodeTypeName } from './node.js';
import { queryResolvers } from './resolvers-query.js';
import { typeResolvers } from './resolvers-types.js';
import { gatesKey, schemaGates } from './schema-gates.js';
import { mutationSdl } from './schema-mutations-sdl.js';
import { buildSdl } from './schema-sdl.js';

type AnyResolver = GraphQLFieldResolver<unknown, GraphQLContext>;

const resolverMap: Record<string, Record<string, unknown>> = {
  ...typeResolvers,
  QueryRoot: queryResolvers,
  Mutation: { ...productMutations, ...inventoryMutations, ...platformMutations },
  ProductSetOperation: productOperationResolvers,
  BulkOperation: bulkOperationResolvers,
  WebhookSubscription: webhookSubscriptionResolvers,
  DeletionEvent: {
    occurredAt: (d: { occurredAtIso: string }) => d.occurredAtIso,
    subjectId: (d: { subjectGid: string }) => d.subjectGid,
  },
};

const cache = new Map<string, GraphQLSchema>();

export function schemaFor(features: VersionFeatures): GraphQLSchema {
  const key = `${schemaKey(features)}:${gatesKey(schemaGates(features.version))}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const schema = buildSchema(buildSdl(features, mutationSdl(features)));
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type)) {
      const resolvers = resolverMap[type.name];
      if (!resolvers) continue;
      const fields = type.getFields();
      for (const [name, resolve] of Object.entries(resolvers)) {
        const field = fields[name];
        if (field) field.resolve = resolve as AnyResolver;
      }
    } else if (isInterfaceType(type)) {
      type.resolveType = (value, ctx: GraphQLContext) => nodeTypeName(ctx, value);
    } else if (isUnionType(type) && type.name === 'WebhookSubscriptionEndpoint') {
      type.resolveType = () => 'WebhookHttpEndpoint';
    }
  }
  cache.set(key, schema);
  return schema;
}
