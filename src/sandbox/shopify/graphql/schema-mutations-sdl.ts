// Mutation half of the schema subset, with the version switches of the fact sheet's section 1 table and
// those found checking the SDL against Shopify's reference (schema-gates.ts).
import type { VersionFeatures } from '../options.js';
import { WEBHOOK_TOPICS, topicEnum } from '../store/events.js';
import { schemaGates } from './schema-gates.js';

/** InventorySetQuantitiesUserErrorCode as of 2026-01; the compare-and-swap and idempotency codes come with those features. */
function setQuantitiesCodes(f: VersionFeatures): string {
  return [
    ...(f.changeFromQuantity ? ['CHANGE_FROM_QUANTITY_STALE'] : []),
    'COMPARE_QUANTITY_REQUIRED', 'COMPARE_QUANTITY_STALE',
    ...(f.idempotentDirective ? ['IDEMPOTENCY_CONCURRENT_REQUEST', 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH'] : []),
    'INVALID_INVENTORY_ITEM', 'INVALID_LOCATION', 'INVALID_NAME', 'INVALID_QUANTITY_NEGATIVE', 'INVALID_QUANTITY_TOO_HIGH',
    'INVALID_QUANTITY_TOO_LOW', 'INVALID_REASON', 'INVALID_REFERENCE_DOCUMENT', 'ITEM_NOT_STOCKED_AT_LOCATION',
    'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR', 'NON_MUTABLE_INVENTORY_ITEM',
  ].join(' ');
}

export function mutationSdl(f: VersionFeatures): string {
  const idempotent = f.idempotentDirective ? 'directive @idempotent(key: String!) on FIELD' : '';
  const changeFrom = f.changeFromQuantity ? 'changeFromQuantity: Int' : '';
  const g = schemaGates(f.version);
  // Non-null with a default: the default flips from true to false in 2026-01.
  const groupObjects = f.groupObjectsArgument ? `, groupObjects: Boolean! = ${f.groupObjectsDefault}` : '';
  const filter = f.webhookFilter ? 'filter: String' : '';
  const compareQuantity = g.compareQuantityGone ? '' : 'compareQuantity: Int';
  const callbackUrlInput = g.webhookCallbackUrlGone ? '' : 'callbackUrl: URL';
  const uriInput = g.webhookUri ? 'uri: String' : '';
  const subscriptionAddress = [
    g.webhookCallbackUrlGone ? '' : `endpoint: WebhookSubscriptionEndpoint! callbackUrl: URL! ${g.webhookUri ? '@deprecated(reason: "Use `uri` instead.")' : ''}`,
    g.webhookUri ? 'uri: String!' : '',
  ].join(' ');
  // Mutation-specific error types carry a code; plain UserError (inventoryActivate, webhook and cancel
  // payloads) has none. Codes stay strings where Shopify's enum was not checked in full.
  const userError = (name: string, code = 'String') => `type ${name} { field: [String!] message: String! code: ${code} }`;
  return `
${idempotent}

type UserError { field: [String!] message: String! }
${['ProductSetUserError', 'ProductVariantsBulkUpdateUserError', 'ProductVariantsBulkCreateUserError',
    'ProductVariantsBulkDeleteUserError', 'InventoryAdjustQuantitiesUserError'].map((name) => userError(name)).join('\n')}
enum InventorySetQuantitiesUserErrorCode { ${setQuantitiesCodes(f)} }
${userError('InventorySetQuantitiesUserError', 'InventorySetQuantitiesUserErrorCode')}
enum BulkOperationUserErrorCode { INVALID LIMIT_REACHED OPERATION_IN_PROGRESS }
${userError('BulkOperationUserError', 'BulkOperationUserErrorCode')}

enum ProductOperationStatus { CREATED ACTIVE COMPLETE }
type ProductSetOperation implements Node { id: ID! status: ProductOperationStatus! product: Product userErrors: [ProductSetUserError!]! }

input InventoryItemInput { sku: String tracked: Boolean requiresShipping: Boolean cost: Decimal }
input VariantOptionValueInput { id: ID name: String optionId: ID optionName: String }
input OptionValueSetInput { id: ID name: String }
input OptionSetInput { id: ID name: String position: Int values: [OptionValueSetInput!] }
input ProductSetInventoryInput { locationId: ID! name: String! quantity: Int! }
input ProductVariantSetInput {
  id: ID sku: String barcode: String price: Money compareAtPrice: Money taxable: Boolean
  inventoryPolicy: ProductVariantInventoryPolicy optionValues: [VariantOptionValueInput!]! inventoryItem: InventoryItemInput
  position: Int inventoryQuantities: [ProductSetInventoryInput!]
}
input ProductSetInput {
  id: ID title: String handle: String status: ProductStatus vendor: String productType: String tags: [String!]
  descriptionHtml: String productOptions: [OptionSetInput!] variants: [ProductVariantSetInput!]
}
input ProductSetIdentifiers { id: ID handle: String }
type ProductSetPayload { product: Product productSetOperation: ProductSetOperation userErrors: [ProductSetUserError!]! }

input ProductInput { id: ID title: String handle: String status: ProductStatus vendor: String productType: String tags: [String!] descriptionHtml: String }
input ProductCreateInput { title: String handle: String status: ProductStatus vendor: String productType: String tags: [String!] descriptionHtml: String }
input ProductUpdateInput { id: ID title: String handle: String status: ProductStatus vendor: String productType: String tags: [String!] descriptionHtml: String }
input ProductDeleteInput { id: ID! }
type ProductCreatePayload { product: Product userErrors: [UserError!]! }
type ProductUpdatePayload { product: Product userErrors: [UserError!]! }
type ProductDeletePayload { deletedProductId: ID userErrors: [UserError!]! }

input InventoryLevelInput { locationId: ID! availableQuantity: Int! }
input ProductVariantsBulkInput {
  id: ID barcode: String price: Money compareAtPrice: Money taxable: Boolean inventoryPolicy: ProductVariantInventoryPolicy
  inventoryItem: InventoryItemInput optionValues: [VariantOptionValueInput!] inventoryQuantities: [InventoryLevelInput!]
}
enum ProductVariantsBulkCreateStrategy { DEFAULT REMOVE_STANDALONE_VARIANT PRESERVE_STANDALONE_VARIANT }
type ProductVariantsBulkUpdatePayload { product: Product productVariants: [ProductVariant!] userErrors: [ProductVariantsBulkUpdateUserError!]! }
type ProductVariantsBulkCreatePayload { product: Product productVariants: [ProductVariant!] userErrors: [ProductVariantsBulkCreateUserError!]! }
type ProductVariantsBulkDeletePayload { product: Product userErrors: [ProductVariantsBulkDeleteUserError!]! }

type InventoryActivatePayload { inventoryLevel: InventoryLevel userErrors: [UserError!]! }
input InventoryQuantityInput { inventoryItemId: ID! locationId: ID! quantity: Int! ${compareQuantity} ${changeFrom} }
input InventorySetQuantitiesInput {
  name: String! reason: String! referenceDocumentUri: String ignoreCompareQuantity: Boolean = false
  quantities: [InventoryQuantityInput!]!
}
input InventoryChangeInput { delta: Int! inventoryItemId: ID! locationId: ID! ledgerDocumentUri: String }
input InventoryAdjustQuantitiesInput { name: String! reason: String! referenceDocumentUri: String changes: [InventoryChangeInput!]! }
type InventoryChange { name: String! delta: Int! quantityAfterChange: Int item: InventoryItem location: Location ledgerDocumentUri: String }
type InventoryAdjustmentGroup implements Node {
  id: ID! createdAt: DateTime! reason: String! referenceDocumentUri: String changes: [InventoryChange!]!
}
type InventorySetQuantitiesPayload { inventoryAdjustmentGroup: InventoryAdjustmentGroup userErrors: [InventorySetQuantitiesUserError!]! }
type InventoryAdjustQuantitiesPayload { inventoryAdjustmentGroup: InventoryAdjustmentGroup userErrors: [InventoryAdjustQuantitiesUserError!]! }

enum WebhookSubscriptionTopic { ${WEBHOOK_TOPICS.map(topicEnum).join(' ')} }
enum WebhookSubscriptionFormat { JSON XML }
type ApiVersion { handle: String! displayName: String! supported: Boolean! }
type WebhookHttpEndpoint { callbackUrl: URL! }
union WebhookSubscriptionEndpoint = WebhookHttpEndpoint
type WebhookSubscription implements Node {
  id: ID! legacyResourceId: UnsignedInt64! topic: WebhookSubscriptionTopic! format: WebhookSubscriptionFormat!
  ${subscriptionAddress}
  includeFields: [String!]! ${filter} apiVersion: ApiVersion! createdAt: DateTime! updatedAt: DateTime!
}
input WebhookSubscriptionInput { ${callbackUrlInput} ${uriInput} format: WebhookSubscriptionFormat includeFields: [String!] ${filter} metafieldNamespaces: [String!] }
type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
type WebhookSubscriptionUpdatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
type WebhookSubscriptionDeletePayload { deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }

enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationsSortKeys { CREATED_AT COMPLETED_AT ID }
type BulkOperation implements Node {
  id: ID! status: BulkOperationStatus! errorCode: BulkOperationErrorCode createdAt: DateTime! completedAt: DateTime
  objectCount: UnsignedInt64! rootObjectCount: UnsignedInt64! fileSize: UnsignedInt64 url: URL partialDataUrl: URL
  query: String! type: BulkOperationType!
}
type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }
type BulkOperationCancelPayload { bulkOperation: BulkOperation userErrors: [UserError!]! }

type Mutation {
  productSet(input: ProductSetInput!, synchronous: Boolean = true, identifier: ProductSetIdentifiers): ProductSetPayload
  productCreate(input: ProductInput, product: ProductCreateInput): ProductCreatePayload
  productUpdate(input: ProductInput, product: ProductUpdateInput): ProductUpdatePayload
  productDelete(input: ProductDeleteInput!): ProductDeletePayload
  productVariantsBulkUpdate(productId: ID!, variants: [ProductVariantsBulkInput!]!, allowPartialUpdates: Boolean = false): ProductVariantsBulkUpdatePayload
  productVariantsBulkCreate(productId: ID!, variants: [ProductVariantsBulkInput!]!, strategy: ProductVariantsBulkCreateStrategy = DEFAULT): ProductVariantsBulkCreatePayload
  productVariantsBulkDelete(productId: ID!, variantsIds: [ID!]!): ProductVariantsBulkDeletePayload
  inventoryActivate(inventoryItemId: ID!, locationId: ID!, available: Int, onHand: Int): InventoryActivatePayload
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
  webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
  webhookSubscriptionUpdate(id: ID!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionUpdatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
  bulkOperationRunQuery(query: String!${groupObjects}): BulkOperationRunQueryPayload
  bulkOperationCancel(id: ID!): BulkOperationCancelPayload
}

extend type QueryRoot { productOperation(id: ID!): ProductSetOperation }
`;
}
