// The subset of the Admin GraphQL schema the sandbox serves, as SDL. Version-gated parts (section 1 of
// the fact sheet) are switched by VersionFeatures, so an older API version rejects newer fields the way
// Shopify does ("Field 'x' doesn't exist on type 'QueryRoot'").
import type { VersionFeatures } from '../options.js';
import { COUNTRY_CODES } from '../store/addresses.js';

const CONNECTION_ARGS = 'first: Int, after: String, last: Int, before: String, reverse: Boolean = false';

function connection(type: string): string {
  return `
type ${type}Connection { nodes: [${type}!]! edges: [${type}Edge!]! pageInfo: PageInfo! }
type ${type}Edge { cursor: String! node: ${type}! }`;
}

function querySdl(f: VersionFeatures): string {
  const customerContacts = f.customerDefaultContacts
    ? `defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber`
    : '';
  const bulkById = f.bulkOperationById
    ? `bulkOperation(id: ID!): BulkOperation
  bulkOperations(${CONNECTION_ARGS}, query: String, sortKey: BulkOperationsSortKeys = CREATED_AT): BulkOperationConnection!`
    : '';
  return `
scalar DateTime
scalar Money
scalar Decimal
scalar UnsignedInt64
scalar URL
scalar HTML

interface Node { id: ID! }

type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

enum CurrencyCode { EUR USD GBP RON CHF PLN CZK SEK DKK NOK CAD AUD JPY }
enum ProductStatus { ACTIVE ARCHIVED DRAFT UNLISTED }
enum ProductVariantInventoryPolicy { DENY CONTINUE }
enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT RELEVANCE }
enum ProductVariantSortKeys { ID POSITION SKU TITLE RELEVANCE }
enum OrderSortKeys { ID CREATED_AT UPDATED_AT PROCESSED_AT RELEVANCE }
enum CustomerSortKeys { ID CREATED_AT UPDATED_AT NAME RELEVANCE }
enum LocationSortKeys { ID NAME RELEVANCE }
enum OrderDisplayFinancialStatus { AUTHORIZED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED EXPIRED }
enum OrderDisplayFulfillmentStatus { FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED SCHEDULED UNFULFILLED REQUEST_DECLINED }
enum CustomerState { DISABLED INVITED ENABLED DECLINED }
enum CustomerEmailAddressMarketingState { NOT_SUBSCRIBED PENDING SUBSCRIBED UNSUBSCRIBED REDACTED INVALID }
enum CountPrecision { EXACT AT_LEAST }
enum CountryCode { ${COUNTRY_CODES.join(' ')} }

type Shop implements Node { id: ID! name: String! myshopifyDomain: String! email: String! currencyCode: CurrencyCode! ianaTimezone: String! }

type Location implements Node { id: ID! legacyResourceId: UnsignedInt64! name: String! isActive: Boolean! createdAt: DateTime! updatedAt: DateTime! }

type ProductOption { id: ID! name: String! position: Int! values: [String!]! }
type SelectedOption { name: String! value: String! }

type Product implements Node {
  id: ID! legacyResourceId: UnsignedInt64! title: String! handle: String! status: ProductStatus!
  vendor: String! productType: String! tags: [String!]! descriptionHtml: HTML! description: String!
  createdAt: DateTime! updatedAt: DateTime! publishedAt: DateTime totalInventory: Int!
  options(first: Int): [ProductOption!]!
  variants(${CONNECTION_ARGS}, sortKey: ProductVariantSortKeys = POSITION): ProductVariantConnection!
  variantsCount: Count
}

type ProductVariant implements Node {
  id: ID! legacyResourceId: UnsignedInt64! title: String! displayName: String! sku: String barcode: String
  price: Money! compareAtPrice: Money taxable: Boolean! position: Int! inventoryQuantity: Int
  inventoryPolicy: ProductVariantInventoryPolicy! selectedOptions: [SelectedOption!]!
  createdAt: DateTime! updatedAt: DateTime! product: Product! inventoryItem: InventoryItem!
}

type InventoryItem implements Node {
  id: ID! legacyResourceId: UnsignedInt64! sku: String tracked: Boolean! requiresShipping: Boolean!
  createdAt: DateTime! updatedAt: DateTime! variant: ProductVariant!
  inventoryLevels(${CONNECTION_ARGS}, query: String): InventoryLevelConnection!
  inventoryLevel(locationId: ID!): InventoryLevel
}

type InventoryQuantity { id: ID! name: String! quantity: Int! updatedAt: DateTime }

type InventoryLevel implements Node {
  id: ID! location: Location! item: InventoryItem! createdAt: DateTime! updatedAt: DateTime! canDeactivate: Boolean!
  quantities(names: [String!]!): [InventoryQuantity!]!
}

type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type Attribute { key: String! value: String }
type Count { count: Int! precision: CountPrecision! }
enum DeletionEventSubjectType { COLLECTION PRODUCT }
enum DeletionEventSortKeys { CREATED_AT ID RELEVANCE }
type DeletionEvent { occurredAt: DateTime! subjectId: ID! subjectType: DeletionEventSubjectType! }

type LineItem implements Node {
  id: ID! sku: String name: String! title: String! variantTitle: String quantity: Int! currentQuantity: Int!
  originalUnitPriceSet: MoneyBag! originalTotalSet: MoneyBag! variant: ProductVariant product: Product
}

type MailingAddress {
  firstName: String lastName: String name: String company: String address1: String address2: String city: String zip: String
  province: String provinceCode: String country: String countryCodeV2: CountryCode phone: String
  countryCode: String @deprecated(reason: "Use \`countryCodeV2\` instead.")
}

type Order implements Node {
  id: ID! legacyResourceId: UnsignedInt64! name: String! email: String createdAt: DateTime! updatedAt: DateTime!
  processedAt: DateTime! cancelledAt: DateTime closedAt: DateTime closed: Boolean! cancelReason: String
  displayFinancialStatus: OrderDisplayFinancialStatus displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  currencyCode: CurrencyCode! presentmentCurrencyCode: CurrencyCode! tags: [String!]! note: String
  customAttributes: [Attribute!]!
  totalPriceSet: MoneyBag! subtotalPriceSet: MoneyBag totalTaxSet: MoneyBag
  customer: Customer
  shippingAddress: MailingAddress
  lineItems(${CONNECTION_ARGS}): LineItemConnection!
}

type CustomerEmailAddress { emailAddress: String! marketingState: CustomerEmailAddressMarketingState! }
type CustomerPhoneNumber { phoneNumber: String! }

type Customer implements Node {
  id: ID! legacyResourceId: UnsignedInt64! firstName: String lastName: String displayName: String!
  email: String @deprecated(reason: "Use \`defaultEmailAddress.emailAddress\` instead.")
  phone: String @deprecated(reason: "Use \`defaultPhoneNumber.phoneNumber\` instead.")
  ${customerContacts}
  tags: [String!]! state: CustomerState! note: String numberOfOrders: UnsignedInt64! amountSpent: MoneyV2!
  createdAt: DateTime! updatedAt: DateTime!
}

${['Location', 'Product', 'ProductVariant', 'InventoryItem', 'InventoryLevel', 'LineItem', 'Order', 'Customer',
    'BulkOperation', 'WebhookSubscription', 'DeletionEvent'].map(connection).join('\n')}

type QueryRoot {
  shop: Shop!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  locations(${CONNECTION_ARGS}, query: String, sortKey: LocationSortKeys = NAME, includeInactive: Boolean = false): LocationConnection!
  location(id: ID): Location
  products(${CONNECTION_ARGS}, query: String, sortKey: ProductSortKeys = ID, savedSearchId: ID): ProductConnection!
  product(id: ID!): Product
  productByHandle(handle: String!): Product
  productsCount(query: String, limit: Int): Count
  productVariants(${CONNECTION_ARGS}, query: String, sortKey: ProductVariantSortKeys = ID): ProductVariantConnection!
  productVariant(id: ID!): ProductVariant
  inventoryItems(${CONNECTION_ARGS}, query: String): InventoryItemConnection!
  inventoryItem(id: ID!): InventoryItem
  inventoryLevel(id: ID!): InventoryLevel
  orders(${CONNECTION_ARGS}, query: String, sortKey: OrderSortKeys = PROCESSED_AT, savedSearchId: ID): OrderConnection!
  order(id: ID!): Order
  ordersCount(query: String, limit: Int): Count
  customers(${CONNECTION_ARGS}, query: String, sortKey: CustomerSortKeys = ID): CustomerConnection!
  customer(id: ID!): Customer
  customersCount(query: String, limit: Int): Count
  deletionEvents(${CONNECTION_ARGS}, query: String, sortKey: DeletionEventSortKeys = ID, subjectTypes: [DeletionEventSubjectType!]): DeletionEventConnection!
    @deprecated(reason: "Use webhooks or reconciliation.")
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  ${bulkById}
  webhookSubscriptions(${CONNECTION_ARGS}, topics: [WebhookSubscriptionTopic!], callbackUrl: URL, format: WebhookSubscriptionFormat): WebhookSubscriptionConnection!
  webhookSubscription(id: ID!): WebhookSubscription
}
`;
}

export function buildSdl(f: VersionFeatures, mutationSdl: string): string {
  return `schema { query: QueryRoot mutation: Mutation }\n${querySdl(f)}\n${mutationSdl}`;
}
