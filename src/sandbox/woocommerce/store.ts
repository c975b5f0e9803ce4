// The in-memory store. Records keep the REST field names (snake_case) for what the API echoes back and
// epoch-ms for dates; derived fields (price, variations, permalink) are computed by shapes.ts.
// Products, variations and orders share one id sequence, as WordPress posts do; customers are users.

export interface Meta { id: number; key: string; value: unknown }
export interface Term { id: number; name: string; slug: string }
export interface Dimensions { length: string; width: string; height: string }

export interface ProductRec {
  id: number;
  /** 'variation' for variations, which live in the same table with parent_id set. */
  type: 'simple' | 'grouped' | 'external' | 'variable' | 'variation';
  parent_id: number;
  name: string;
  slug: string;
  status: 'draft' | 'pending' | 'private' | 'publish' | 'trash';
  description: string;
  short_description: string;
  sku: string;
  regular_price: string;
  sale_price: string;
  manage_stock: boolean;
  stock_quantity: number | null;
  stock_status: 'instock' | 'outofstock' | 'onbackorder';
  backorders: 'no' | 'notify' | 'yes';
  weight: string;
  dimensions: Dimensions;
  categories: Term[];
  tags: Term[];
  images: { id: number; src: string; name: string; alt: string }[];
  attributes: Record<string, unknown>[];
  default_attributes: Record<string, unknown>[];
  menu_order: number;
  total_sales: number;
  meta_data: Meta[];
  created: number;
  modified: number;
}

export interface Address { [field: string]: string }

export interface LineItemRec {
  id: number;
  name: string;
  product_id: number;
  variation_id: number;
  quantity: number;
  sku: string;
  subtotal: string;
  total: string;
  meta_data: Meta[];
}

export interface OrderRec {
  id: number;
  status: string;
  currency: string;
  customer_id: number;
  customer_note: string;
  billing: Address;
  shipping: Address;
  payment_method: string;
  payment_method_title: string;
  transaction_id: string;
  shipping_total: string;
  discount_total: string;
  line_items: LineItemRec[];
  meta_data: Meta[];
  created_via: string;
  order_key: string;
  created: number;
  modified: number;
  paid: number | null;
  completed: number | null;
  /** Stock was taken for this order (once it first reached processing/on-hold/completed). */
  stockReduced: boolean;
}

export interface CustomerRec {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  username: string;
  role: string;
  billing: Address;
  shipping: Address;
  is_paying_customer: boolean;
  meta_data: Meta[];
  created: number;
  modified: number;
}

export interface WebhookRec {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  delivery_url: string;
  secret: string;
  failure_count: number;
  created: number;
  modified: number;
}

export type Resource = 'product' | 'order' | 'customer' | 'coupon';
export type WebhookEvent = 'created' | 'updated' | 'deleted' | 'restored';
export interface ChangeEvent { resource: Resource; event: WebhookEvent; id: number }

export class WooStore {
  products = new Map<number, ProductRec>();
  orders = new Map<number, OrderRec>();
  customers = new Map<number, CustomerRec>();
  webhooks = new Map<number, WebhookRec>();
  private nextPostId = 10;
  /** User 1 is the shop admin; customers start at 2. */
  private nextUserId = 2;
  private nextWebhookId = 1;
  private nextItemId = 1;
  private nextMetaId = 1;
  private nextImageId = 1000;
  private readonly listeners: ((e: ChangeEvent) => void)[] = [];

  constructor(readonly now: () => number) {}

  postId(): number { return this.nextPostId++; }
  userId(): number { return this.nextUserId++; }
  webhookId(): number { return this.nextWebhookId++; }
  itemId(): number { return this.nextItemId++; }
  metaId(): number { return this.nextMetaId++; }
  imageId(): number { return this.nextImageId++; }

  onChange(listener: (e: ChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(resource: Resource, event: WebhookEvent, id: number): void {
    for (const l of this.listeners) l({ resource, event, id });
  }

  variationsOf(parentId: number): ProductRec[] {
    return [...this.products.values()].filter((p) => p.type === 'variation' && p.parent_id === parentId).sort((a, b) => a.menu_order - b.menu_order || a.id - b.id);
  }

  /** The product or variation with `sku` that is not trashed, other than `exceptId`. */
  bySku(sku: string, exceptId = 0): ProductRec | undefined {
    for (const p of this.products.values()) if (p.sku === sku && p.id !== exceptId && p.status !== 'trash') return p;
    return undefined;
  }

  /** Drops all records (webhooks stay: they are the client's configuration, not shop data). */
  clearData(): void {
    this.products.clear();
    this.orders.clear();
    this.customers.clear();
  }
}
