// Hub data for the CLI: products, orders, customers and stock, read with the functions behind the read
// API (src/store/hub-reads*.ts) and checked with the same limits; filters take what a person types
// (a connection or customer by name or e-mail, where the API takes ids).
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { decodeHubCursor, decodeIdCursor, hubRecordExists, type JsonPage } from '../../store/hub-reads.js';
import { type CustomerDetail, type CustomerView, getCustomer, getOrder, listCustomers, listOrders, type OrderView } from '../../store/hub-reads-orders.js';
import { getProduct, listProducts, type ProductDetail, type ProductView, SYNC_STATUSES } from '../../store/hub-reads-products.js';
import { listStock, type StockView } from '../../store/hub-reads-stock.js';
import type { Queryable } from '../../store/db.js';
import { ORDER_STATUSES } from '../../server/routes/orders.js';
import { isoInstant } from '../../server/schemas.js';
import { connectionArg, connectionOf, defineOperation, idArg, type OpContext, tenantArg, tenantOf } from './context.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const paging = { limit: z.number().int().min(1).max(500).default(50), cursor: z.string().min(1).max(500).optional() };
const badCursor = () => new SyncError('validation_failed', 'cursor is not valid for this list: use nextCursor of a previous page with the same filters');
const toPage = <T>(p: JsonPage): Page<T> => ({ items: JSON.parse(p.itemsJson) as T[], nextCursor: p.nextCursor });

/** Runs `read` in the tenant's scope, with the connection (id or name) resolved to its id. */
async function inTenant<T>(ctx: OpContext, tenantRef: string, connectionRef: string | undefined, read: (tx: Queryable, tenantId: string, connectionId: string | undefined) => Promise<T>): Promise<T> {
  const tenant = await tenantOf(ctx.db, tenantRef);
  const connectionId = connectionRef === undefined ? undefined : (await connectionOf(ctx.db, tenant, connectionRef)).id;
  return ctx.db.withTenant(tenant.id, (tx) => read(tx, tenant.id, connectionId));
}

function found<T>(value: T | null, what: string, id: string): T {
  if (value === null) throw new SyncError('not_found', `${what} ${id} not found`);
  return value;
}

export const productsList = defineOperation({
  name: 'products-list',
  args: z.object({
    tenant: tenantArg,
    sku: z.string().min(1).max(255).optional(),
    q: z.string().min(1).max(200).optional(),
    syncStatus: z.enum(SYNC_STATUSES).optional(),
    connection: connectionArg.optional(),
    ...paging,
  }),
  async run(ctx, { tenant, connection, limit, cursor, ...filter }): Promise<Page<ProductView>> {
    const after = cursor === undefined ? null : decodeHubCursor('products', cursor);
    if (cursor !== undefined && !after) throw badCursor();
    return inTenant(ctx, tenant, connection, async (tx, tenantId, connectionId) => toPage(await listProducts(tx, tenantId, { ...filter, connectionId, limit, after })));
  },
});

export const productsShow = defineOperation({
  name: 'products-show',
  args: z.object({ tenant: tenantArg, id: idArg }),
  async run(ctx, args): Promise<ProductDetail> {
    return found(await inTenant(ctx, args.tenant, undefined, (tx, tenantId) => getProduct(tx, tenantId, args.id)), 'product', args.id);
  },
});

export const ordersList = defineOperation({
  name: 'orders-list',
  args: z.object({
    tenant: tenantArg,
    connection: connectionArg.optional(),
    status: z.enum(ORDER_STATUSES).optional(),
    createdFrom: isoInstant.optional(),
    createdTo: isoInstant.optional(),
    /** A hub customer's id, or an e-mail address that one customer has. */
    customer: z.string().trim().min(1).max(320).optional(),
    ...paging,
  }),
  async run(ctx, { tenant, connection, customer, limit, cursor, ...filter }): Promise<Page<OrderView>> {
    const after = cursor === undefined ? null : decodeHubCursor('orders', cursor);
    if (cursor !== undefined && !after) throw badCursor();
    if (filter.createdFrom && filter.createdTo && Date.parse(filter.createdFrom) > Date.parse(filter.createdTo)) {
      throw new SyncError('validation_failed', '--created-from must not be after --created-to');
    }
    return inTenant(ctx, tenant, connection, async (tx, tenantId, connectionId) => {
      const customerId = customer === undefined ? undefined : await customerIdOf(tx, tenantId, customer);
      return toPage(await listOrders(tx, tenantId, { ...filter, connectionId, customerId, limit, after }));
    });
  },
});

async function customerIdOf(tx: Queryable, tenantId: string, ref: string): Promise<string> {
  const id = idArg.safeParse(ref);
  if (id.success) {
    if (!(await hubRecordExists(tx, 'customer', tenantId, id.data))) throw new SyncError('not_found', `customer ${id.data} not found`);
    return id.data;
  }
  const matches = toPage<CustomerView>(await listCustomers(tx, tenantId, { email: ref, limit: 2 })).items;
  if (matches.length === 0) throw new SyncError('not_found', `no customer with the id or e-mail "${ref}"`);
  if (matches.length > 1) throw new SyncError('validation_failed', `several customers have the e-mail ${ref}: give a customer id (commerce-sync customers list --email ${ref})`);
  return matches[0]!.id;
}

export const ordersShow = defineOperation({
  name: 'orders-show',
  args: z.object({ tenant: tenantArg, id: idArg }),
  async run(ctx, args): Promise<OrderView> {
    return found(await inTenant(ctx, args.tenant, undefined, (tx, tenantId) => getOrder(tx, tenantId, args.id)), 'order', args.id);
  },
});

export const customersList = defineOperation({
  name: 'customers-list',
  args: z.object({ tenant: tenantArg, email: z.string().min(1).max(320).optional(), ...paging }),
  async run(ctx, { tenant, email, limit, cursor }): Promise<Page<CustomerView>> {
    const after = cursor === undefined ? null : decodeHubCursor('customers', cursor);
    if (cursor !== undefined && !after) throw badCursor();
    return inTenant(ctx, tenant, undefined, async (tx, tenantId) => toPage(await listCustomers(tx, tenantId, { email, limit, after })));
  },
});

export const customersShow = defineOperation({
  name: 'customers-show',
  args: z.object({ tenant: tenantArg, id: idArg }),
  async run(ctx, args): Promise<CustomerDetail> {
    return found(await inTenant(ctx, args.tenant, undefined, (tx, tenantId) => getCustomer(tx, tenantId, args.id)), 'customer', args.id);
  },
});

export const stock = defineOperation({
  name: 'stock',
  args: z.object({ tenant: tenantArg, sku: z.string().min(1).max(255).optional(), belowReorderPoint: z.boolean().optional(), ...paging }),
  async run(ctx, { tenant, sku, belowReorderPoint, limit, cursor }): Promise<Page<StockView>> {
    const afterId = cursor === undefined ? null : decodeIdCursor(cursor);
    if (cursor !== undefined && !afterId) throw badCursor();
    return inTenant(ctx, tenant, undefined, async (tx, tenantId) => toPage(await listStock(tx, tenantId, { sku, belowReorderPoint, limit, afterId })));
  },
});
