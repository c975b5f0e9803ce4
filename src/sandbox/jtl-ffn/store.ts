// The sandbox's data: products, warehouses, per-warehouse stock cells, outbounds, shipping notifications, and
// the change records the /updates feeds are answered from. Every change record names the actor (OAuth client
// and user) that caused it, because the feeds' ignoreOwnApplicationId/ignoreOwnUserId hide a caller's own changes.
import type { SeededRandom } from '../common/random.js';

/** Who caused a change: the OAuth client and user of an API request, or nobody (fulfiller, control API). */
export interface Actor {
  applicationId: string | null;
  userId: string | null;
}

export const FULFILLER: Actor = { applicationId: null, userId: null };

export type ModState = 'New' | 'Modified' | 'Deleted';

/** Epoch ms; shaped to ISO strings. */
export interface ModInfo {
  createdAt: number;
  updatedAt: number;
  state: ModState;
}

export interface ProductRec {
  jfsku: string;
  /** Everything a client can set (merchantSku, name, identifier, dimensions, ...), camelCase as sent. */
  fields: Record<string, unknown> & { merchantSku: string; name: string };
  mod: ModInfo;
}

export interface WarehouseRec {
  warehouseId: string;
  name: string;
  fulfillerId: string;
  address: Record<string, string>;
  mod: ModInfo;
}

export interface Levels {
  stockLevel: number;
  stockLevelReserved: number;
  stockLevelBlocked: number;
  stockLevelAnnounced: number;
}

export interface StockCell extends Levels {
  /** stockVersion of the last change of this (jfsku, warehouse). */
  version: number;
  updatedAt: number;
}

export type ChangeType = 'Adjustment' | 'Inbound' | 'Delivery' | 'Return' | 'ConditionChanged' | 'Announcement'
  | 'AnnouncementCanceled' | 'Reservation' | 'ReservationCanceled' | 'Deleted';

export interface StockChangeRec {
  seq: number;
  at: number;
  jfsku: string;
  merchantSku: string;
  warehouseId: string;
  version: number;
  after: Levels;
  delta: Levels;
  changeType: ChangeType;
  actor: Actor;
  outboundItem: { outboundId: string; outboundItemId: string } | null;
  note: string | null;
}

export interface OutboundItemRec {
  outboundItemId: string;
  jfsku: string | null;
  merchantSku: string | null;
  itemType: string;
  quantity: number;
  quantityOpen: number;
  /** Internal: how much of the open quantity holds a reservation (stock may have been short at creation). */
  reserved: number;
  extra: Record<string, unknown>;
}

export interface OutboundRec {
  outboundId: string;
  fields: Record<string, unknown>;
  items: OutboundItemRec[];
  status: string;
  statusTimestamp: Record<string, number>;
  mod: ModInfo;
}

export interface PackageRec {
  freightOption: string;
  trackingUrl: string | null;
  identifier: string[];
  shippingDate: number;
  estimatedDeliveryDate: number | null;
}

export interface NotificationRec {
  outboundShippingNotificationId: string;
  fulfillerShippingNotificationNumber: string;
  outboundId: string;
  items: { outboundShippingNotificationItemId: string; jfsku: string; quantity: number }[];
  packages: PackageRec[];
  outboundStatus: string;
  mod: ModInfo;
}

/** One modification of a product or outbound, for the whole-object feeds. */
export interface ChangeRec {
  seq: number;
  at: number;
  id: string;
  actor: Actor;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Float quantities without binary noise (0.1 + 0.2): six decimals is finer than any divisible product. */
export const round = (n: number): number => Math.round(n * 1e6) / 1e6;
export const ZERO: Levels = { stockLevel: 0, stockLevelReserved: 0, stockLevelBlocked: 0, stockLevelAnnounced: 0 };

export class FfnStore {
  products = new Map<string, ProductRec>();
  warehouses = new Map<string, WarehouseRec>();
  stock = new Map<string, Map<string, StockCell>>();
  outbounds = new Map<string, OutboundRec>();
  notifications = new Map<string, NotificationRec[]>();
  stockChanges: StockChangeRec[] = [];
  productChanges: ChangeRec[] = [];
  outboundChanges: ChangeRec[] = [];
  /** merchantOutboundNumber → outboundIds, for the duplicate counter and the reject option. */
  outboundNumbers = new Map<string, string[]>();
  outboundNumberDuplicates = 0;
  /** merchantSku → jfsku of live products: duplicate checks and SKU lookups stay O(1) on big seeded stores. */
  readonly bySku = new Map<string, string>();
  private seq = 0;
  private outboundSeq = 0;
  private notificationSeq = 0;

  constructor(private random: SeededRandom) {}

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Replaces every record (seed); ids restart from a seeded source so a seeded run gets the same jfskus. */
  clear(random: SeededRandom): void {
    this.random = random;
    this.products.clear();
    this.bySku.clear();
    this.warehouses.clear();
    this.stock.clear();
    this.outbounds.clear();
    this.notifications.clear();
    this.stockChanges = [];
    this.productChanges = [];
    this.outboundChanges = [];
    this.outboundNumbers.clear();
    this.outboundNumberDuplicates = 0;
    this.outboundSeq = 0;
    this.notificationSeq = 0;
  }

  /** 8 uppercase alphanumerics, as JTL assigns them; unique within the store. */
  newJfsku(): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < 8; i += 1) id += ALNUM[this.random.int(0, ALNUM.length - 1)];
      if (!this.products.has(id)) return id;
    }
  }

  newOutboundId(merchantId: string): string {
    this.outboundSeq += 1;
    return `${merchantId}${String(this.outboundSeq).padStart(8, '0')}`;
  }

  newNotificationId(): { id: string; number: string } {
    this.notificationSeq += 1;
    return { id: `OSN${String(this.notificationSeq).padStart(8, '0')}`, number: `FSN-${this.notificationSeq}` };
  }

  addWarehouse(index: number, now: number): WarehouseRec {
    const n = String(index).padStart(4, '0');
    const rec: WarehouseRec = {
      warehouseId: `WH${n}`, name: `Sandbox Warehouse ${index}`, fulfillerId: 'SBXF',
      address: { company: 'Sandbox Fulfillment GmbH', street: `Lagerstrasse ${index}`, city: 'Huckelhoven', zip: '41836', country: 'DE' },
      mod: { createdAt: now, updatedAt: now, state: 'New' },
    };
    this.warehouses.set(rec.warehouseId, rec);
    return rec;
  }

  /** A live (not deleted) product by jfsku, or by merchantSku when no jfsku matches. */
  findProduct(key: string): ProductRec | undefined {
    const direct = this.products.get(key);
    if (direct && direct.mod.state !== 'Deleted') return direct;
    const jfsku = this.bySku.get(key);
    return jfsku === undefined ? undefined : this.products.get(jfsku);
  }

  cell(jfsku: string, warehouseId: string): StockCell | undefined {
    return this.stock.get(jfsku)?.get(warehouseId);
  }

  /** The latest stockVersion of each (jfsku, warehouse), to mark feed entries `current`. */
  isCurrent(change: StockChangeRec): boolean {
    return this.cell(change.jfsku, change.warehouseId)?.version === change.version;
  }
}
