// Mutation half of the schema subset, with the version switches of the fact sheet's section 1 table.
import type { VersionFeatures } from '../options.js';
import { WEBHOOK_TOPICS, topicEnum } from '../store/events.js';

export function mutationSdl(f: VersionFeatures): string {
  const idempotent = f.idempotentDirective ? 'directive @idempotent(key: String!) on FIELD' : '';
  const changeFrom = f.changeFromQuantity ? 'changeFromQuantity: Int' : '';
  const groupObjects = f.groupObjectsArgument ? ', groupObjects: Boolean' : '';
  const filter = f.webhookFilter ? 'filter: String' : '';
  const userError = (name: string) => `type ${name} { field: [String!] message: String! code: String }`;
  return `
${idempotent}

type UserError { field: [String!] message: String! }
${['ProductSetUserError', 'ProductVariantsBulkUpdateUserError', 'ProductVariantsBulkCreateUserError',
    'ProductVariantsBulkDeleteUserError', 'InventorySetQuantitiesUserError', 'InventoryAdjustQuantitiesUserError',
    'BulkOperationUserError'].map(userError).join('\n')}

enum ProductOperationStatus { CREATED ACTIVE COMPLETE }
type ProductSetOperation implements Node { id: ID! status: ProductOperationStatus! product: Product userErrors: [ProductSetUserError!]! }

input InventoryItemInput { sku: String tracked: Boolean requiresShipping: Boolean cost: Decimal }
input VariantOptionValueInput { id: ID name: String optionId: ID optionName: String }
input OptionValueSetInput { id: ID name: String }
input OptionSetInput { id: ID name: String position: Int values: [OptionValueSetInput!] }
input ProductSetInventoryInput { locationId: ID! name: String! quantity: Int! }
input ProductVariantSetInput {
  id: ID sku: String barcode: String price: Money compareAtPrice: Money taxable: Boolean
  inventoryPolicy: ProductVariantInventoryPolicy optionValues: [VariantOptionValueInput!] inventoryItem: InventoryItemInput
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
input InventoryQuantityInput { inventoryItemId: ID! locationId: ID! quantity: Int! compareQuantity: Int ${changeFrom} }
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
  endpoint: WebhookSubscriptionEndpoint! uri: String! callbackUrl: URL! @deprecated(reason: "Use \`uri\` instead.")
  includeFields: [String!]! ${filter} apiVersion: ApiVersion! createdAt: DateTime! updatedAt: DateTime!
}
input WebhookSubscriptionInput { callbackUrl: URL uri: String format: WebhookSubscriptionFormat includeFields: [String!] ${filter} metafieldNamespaces: [String!] }
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
