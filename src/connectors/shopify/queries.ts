// The GraphQL documents the connector sends, and the page sizes that keep each one under Shopify's
// single-query cap of 1000 points. Requested cost (charged up front, refunded to actual afterwards)
// follows Shopify's rules: an object costs 1, scalars and enums 0, and a connection costs its page
// size times the cost of one node plus 2. Nested connections multiply, so pages get small quickly.

export const MAX_QUERY_COST = 1000;

const LEVEL_NODE = 1 /* level */ + 1 /* location */ + 1; /* quantities list */
const LEVELS_PER_VARIANT = 5;
const VARIANT_NODE = 1 + /* inventoryItem */ 1 + (LEVELS_PER_VARIANT * LEVEL_NODE + 2);
const VARIANTS_PER_PRODUCT = 20;
const PRODUCT_NODE = 1 + (VARIANTS_PER_PRODUCT * VARIANT_NODE + 2);

/** Follow-up pages of one product's variants beyond the first 20 (Shopify allows 2,048 per product). */
const MORE_VARIANTS = 50;
export const MORE_VARIANTS_COST = 1 + (MORE_VARIANTS * VARIANT_NODE + 2);
/** Follow-up pages of one inventory item's levels beyond the first five (one per location). */
const MORE_LEVELS = 250;
export const MORE_LEVELS_COST = 1 + (MORE_LEVELS * LEVEL_NODE + 2);
/** One product with its first variants (a webhook's re-read). */
export const PRODUCT_COST = PRODUCT_NODE;

const LINE_NODE = 1 + /* originalUnitPriceSet */ 2 + /* variant */ 1;
// Most orders have a few lines: a page asks for 10 per order (twice as many orders per page as 25
// would allow), and the rare longer order gets its remaining lines with a follow-up query.
export const LINES_PER_ORDER = 10;
const ORDER_NODE = 1 + /* customer */ 1 + /* shippingAddress */ 1 + /* 3 money bags */ 6 + (LINES_PER_ORDER * LINE_NODE + 2);
const MORE_LINES = 240;
export const MORE_LINES_COST = 1 + (MORE_LINES * LINE_NODE + 2);
const CUSTOMER_NODE = 1 + /* defaultEmailAddress */ 1 + /* defaultPhoneNumber */ 1;

/** The largest page whose requested cost stays under the cap. */
export function pageSizeFor(nodeCost: number, cap = MAX_QUERY_COST): number {
  return Math.max(1, Math.min(250, Math.floor((cap - 2) / nodeCost)));
}

export const PAGE_SIZE = {
  products: pageSizeFor(PRODUCT_NODE),
  orders: pageSizeFor(ORDER_NODE),
  customers: pageSizeFor(CUSTOMER_NODE),
};

/** The requested cost of a page of `first` nodes (what the connector reserves in its limiter). */
export const requestedCost = (stream: keyof typeof PAGE_SIZE, first: number): number =>
  first * { products: PRODUCT_NODE, orders: ORDER_NODE, customers: CUSTOMER_NODE }[stream] + 2;

const MONEY = 'shopMoney { amount currencyCode }';

export const PRODUCT_FIELDS = `id title status vendor productType tags descriptionHtml updatedAt`;
export const VARIANT_FIELDS = `id title sku barcode price compareAtPrice taxable updatedAt`;
export const LEVEL_FIELDS = `id location { id } quantities(names: ["available", "committed", "incoming"]) { name quantity }`;
export const ADDRESS_FIELDS = 'name company address1 address2 city zip province countryCodeV2 phone';
export const ORDER_FIELDS = `id name email createdAt updatedAt processedAt cancelledAt closedAt displayFinancialStatus displayFulfillmentStatus
  currencyCode totalPriceSet { ${MONEY} } subtotalPriceSet { ${MONEY} } totalTaxSet { ${MONEY} } customer { id }
  shippingAddress { ${ADDRESS_FIELDS} }`;
export const LINE_FIELDS = `id sku name quantity originalUnitPriceSet { ${MONEY} } variant { id }`;
/** `defaultEmailAddress`/`defaultPhoneNumber` replaced `email`/`phone` from 2025-04; older versions lack them. */
export function customerFields(apiVersion: string): string {
  return apiVersion === 'unstable' || apiVersion >= '2025-04'
    ? 'id firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } tags updatedAt'
    : 'id firstName lastName email phone tags updatedAt';
}

const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';
// Every nested connection asks for its pageInfo: a product with more variants, or a variant stocked
// at more locations, than the first page holds is completed by the follow-up queries below.
const VARIANT_NODE_FIELDS = `${VARIANT_FIELDS}
  inventoryItem { id tracked inventoryLevels(first: ${LEVELS_PER_VARIANT}) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } }`;
const PRODUCT_NODE_FIELDS = `${PRODUCT_FIELDS}
  variants(first: ${VARIANTS_PER_PRODUCT}) { nodes { ${VARIANT_NODE_FIELDS} } ${PAGE_INFO} }`;

export const productsQuery = () => `query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { ${PRODUCT_NODE_FIELDS} }
    ${PAGE_INFO}
  }
}`;

/** One product as the paged query shapes it (a products webhook whose payload may be cut short). */
export const PRODUCT_QUERY = `query Product($id: ID!) { product(id: $id) { ${PRODUCT_NODE_FIELDS} } }`;

/** The rest of a product's variants after the first page. */
export const PRODUCT_VARIANTS_QUERY = `query ProductVariants($id: ID!, $after: String) {
  product(id: $id) { variants(first: ${MORE_VARIANTS}, after: $after) { nodes { ${VARIANT_NODE_FIELDS} } ${PAGE_INFO} } }
}`;

/** The rest of an inventory item's levels after the first page (items stocked at many locations). */
export const INVENTORY_LEVELS_QUERY = `query InventoryLevels($id: ID!, $after: String) {
  inventoryItem(id: $id) { inventoryLevels(first: ${MORE_LEVELS}, after: $after) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } }
}`;

export const ordersQuery = () => `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { ${ORDER_FIELDS} lineItems(first: ${LINES_PER_ORDER}) { nodes { ${LINE_FIELDS} } pageInfo { hasNextPage endCursor } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The rest of an order's lines after the first page. */
export const ORDER_LINES_QUERY = `query OrderLines($id: ID!, $after: String) {
  order(id: $id) { lineItems(first: ${MORE_LINES}, after: $after) { nodes { ${LINE_FIELDS} } pageInfo { hasNextPage endCursor } } }
}`;

export const customersQuery = (apiVersion: string) => `query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { ${customerFields(apiVersion)} }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * Bulk operation documents: pagination arguments are ignored there; children get `__parentId` lines.
 * Products are read from the variants' side: `productVariants > inventoryLevels` brings every SKU with
 * its stock per location within bulk's limit of two nested connection levels however that limit is
 * counted (`products > variants > inventoryLevels` would need three by one reading). Each variant line
 * carries its product's fields; the stream turns it back into the product shape of the paged query.
 */
export const BULK_QUERIES = {
  products: () => `{ productVariants { edges { node { ${VARIANT_FIELDS} product { ${PRODUCT_FIELDS} }
    inventoryItem { id tracked inventoryLevels { edges { node { ${LEVEL_FIELDS} } } } } } } } }`,
  orders: () => `{ orders { edges { node { ${ORDER_FIELDS} lineItems { edges { node { ${LINE_FIELDS} } } } } } } }`,
  customers: (apiVersion: string) => `{ customers { edges { node { ${customerFields(apiVersion)} } } } }`,
} as const;

/** Shopify's search syntax: dates quoted (unquoted datetimes keep only the date), `>=` as the lower bound. */
export function updatedWindowQuery(from: string | null, to: string | null): string | undefined {
  const parts: string[] = [];
  if (from) parts.push(`updated_at:>='${from}'`);
  if (to) parts.push(`updated_at:<'${to}'`);
  return parts.length ? parts.join(' ') : undefined;
}
