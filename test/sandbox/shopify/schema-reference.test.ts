// The sandbox's schema against Shopify's Admin API reference for the types the connector uses: which
// payloads' userErrors carry a `code` (and of which type), nullability, and fields that come and go
// with the API version. docs/connectors/shopify.md lists the reference pages these follow.
import type { GraphQLInputObjectType, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { GraphQLEnumType, getNamedType, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { versionFeatures } from '../../../src/sandbox/shopify/options.js';
import { schemaFor } from '../../../src/sandbox/shopify/graphql/schema.js';

const schema = (version: string): GraphQLSchema => schemaFor(versionFeatures(version));
const object = (version: string, name: string) => schema(version).getType(name) as GraphQLObjectType;
const input = (version: string, name: string) => schema(version).getType(name) as GraphQLInputObjectType;
const errorsOf = (version: string, document: string) => validate(schema(version), parse(document)).map((e) => e.message);

const VERSIONS = ['2025-01', '2025-07', '2025-10', '2026-01', '2026-04', '2026-07', 'unstable'];

describe('userErrors of the mutations the connector sends', () => {
  it.each(VERSIONS)('%s: inventoryActivate and webhookSubscriptionCreate answer plain UserError, without code', (version) => {
    expect(errorsOf(version, 'mutation { inventoryActivate(inventoryItemId: "1", locationId: "1") { userErrors { field message code } } }'))
      .toEqual(['Cannot query field "code" on type "UserError".']);
    expect(object(version, 'WebhookSubscriptionCreatePayload').getFields().userErrors?.type.toString()).toBe('[UserError!]!');
    expect(object(version, 'BulkOperationCancelPayload').getFields().userErrors?.type.toString()).toBe('[UserError!]!');
  });

  it.each(VERSIONS)('%s: productSet, inventorySetQuantities and bulkOperationRunQuery answer their own error types, with code', (version) => {
    expect(object(version, 'ProductSetPayload').getFields().userErrors?.type.toString()).toBe('[ProductSetUserError!]!');
    expect(object(version, 'InventorySetQuantitiesPayload').getFields().userErrors?.type.toString()).toBe('[InventorySetQuantitiesUserError!]!');
    expect(object(version, 'BulkOperationRunQueryPayload').getFields().userErrors?.type.toString()).toBe('[BulkOperationUserError!]!');
    const bulkCode = getNamedType(object(version, 'BulkOperationUserError').getFields().code!.type);
    expect(bulkCode).toBeInstanceOf(GraphQLEnumType);
    expect((bulkCode as GraphQLEnumType).getValues().map((v) => v.name)).toEqual(['INVALID', 'LIMIT_REACHED', 'OPERATION_IN_PROGRESS']);
    const setCode = getNamedType(object(version, 'InventorySetQuantitiesUserError').getFields().code!.type) as GraphQLEnumType;
    expect(setCode.name).toBe('InventorySetQuantitiesUserErrorCode');
    const codes = setCode.getValues().map((v) => v.name);
    expect(codes).toContain('ITEM_NOT_STOCKED_AT_LOCATION');
    // Compare-and-swap on changeFromQuantity and @idempotent came in 2026-01, with their codes.
    const modern = version === 'unstable' || version >= '2026-01';
    expect(codes.includes('CHANGE_FROM_QUANTITY_STALE')).toBe(modern);
    expect(codes.includes('IDEMPOTENCY_KEY_PARAMETER_MISMATCH')).toBe(modern);
  });
});

describe('version-dependent fields', () => {
  it.each(VERSIONS)('%s: webhook subscriptions take `uri` from 2025-10; `callbackUrl` and `endpoint` are gone in 2026-07', (version) => {
    const uri = version === 'unstable' || version >= '2025-10';
    const gone = version === 'unstable' || version >= '2026-07';
    const inputFields = Object.keys(input(version, 'WebhookSubscriptionInput').getFields());
    const objectFields = Object.keys(object(version, 'WebhookSubscription').getFields());
    expect(inputFields.includes('uri')).toBe(uri);
    expect(objectFields.includes('uri')).toBe(uri);
    expect(inputFields.includes('callbackUrl')).toBe(!gone);
    expect(objectFields.includes('callbackUrl')).toBe(!gone);
    expect(objectFields.includes('endpoint')).toBe(!gone);
  });

  it.each(VERSIONS)('%s: InventoryQuantityInput has compareQuantity until 2026-07 and changeFromQuantity from 2026-01', (version) => {
    const fields = Object.keys(input(version, 'InventoryQuantityInput').getFields());
    expect(fields.includes('compareQuantity')).toBe(!(version === 'unstable' || version >= '2026-07'));
    expect(fields.includes('changeFromQuantity')).toBe(version === 'unstable' || version >= '2026-01');
  });

  it.each(VERSIONS)('%s: bulkOperationRunQuery(groupObjects:) is Boolean! with the version default, from 2025-07', (version) => {
    const arg = schema(version).getMutationType()!.getFields().bulkOperationRunQuery!.args.find((a) => a.name === 'groupObjects');
    if (version < '2025-07' && version !== 'unstable') return expect(arg).toBeUndefined();
    expect(arg?.type.toString()).toBe('Boolean!');
    expect(arg?.defaultValue).toBe(!(version === 'unstable' || version >= '2026-01'));
  });

  it('ProductVariantSetInput.optionValues is required, as in Shopify', () => {
    expect(input('2026-07', 'ProductVariantSetInput').getFields().optionValues?.type.toString()).toBe('[VariantOptionValueInput!]!');
  });
});
