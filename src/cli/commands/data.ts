// Hub data: `products list|show|create|edit`, `orders list|show`, `customers list|show`, `stock`. Lists page like
// the API: --limit (1-500, default 50) and --cursor from the previous page's "more:" line (nextCursor
// in --json).
import type { CustomerDetail, CustomerView, OrderView } from '../../store/hub-reads-orders.js';
import type { ProductDetail, ProductView } from '../../store/hub-reads-products.js';
import type { StockView } from '../../store/hub-reads-stock.js';
import { formatFields, type Io, limitOf, readJsonObjectArg, runCommand, type View } from '../command.js';
import type { GlobalFlags } from '../main.js';
import { customersList, customersShow, ordersList, ordersShow, type Page, productsList, productsShow, stock } from '../ops/hub.js';
import { productsCreate, productsEdit } from '../ops/products-write.js';
import { CliError, EXIT, formatTable } from '../output.js';

interface Paging {
  limit?: string;
  cursor?: string;
  json?: boolean;
}

/** A page as a table, and where the next one starts. */
function pageView<T>(columns: string[], row: (item: T) => Record<string, unknown>): View<Page<T>> {
  return {
    show(page, io) {
      io.out(formatTable(page.items.map(row), columns));
      if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}\n`);
    },
  };
}

function section(io: Io, title: string, rows: Record<string, unknown>[], columns: string[]): void {
  io.out(`\n${title}:\n${formatTable(rows, columns)}`);
}

const linkNames = (links: { platform: string; connectionName: string }[]) => links.map((l) => `${l.platform}:${l.connectionName}`).join(', ');
const money = (amount: string | null, currency: string | null) => (amount === null ? '' : currency ? `${amount} ${currency}` : amount);
const linkRows = (links: { platform: string; connectionName: string; externalId: string; state?: string }[]) =>
  links.map((l) => ({ platform: l.platform, connection: l.connectionName, externalId: l.externalId, state: l.state ?? '' }));

export const productsView = pageView<ProductView>(['id', 'sku', 'name', 'status', 'links', 'updated'], (p) => ({
  id: p.id, sku: p.sku, name: p.name, status: p.syncStatus, links: linkNames(p.links), updated: p.updatedAt,
}));

export const productView: View<ProductDetail> = {
  show(p, io) {
    const f = p.fields;
    io.out(formatFields([['id', p.id], ['sku', p.sku], ['name', p.name], ['group', p.groupTitle], ['sync status', p.syncStatus], ['price', f.price], ['compare at', f.compareAtPrice],
      ['last updated by', p.lastUpdatedBy], ['version', p.version], ['created', p.createdAt], ['updated', p.updatedAt]]));
    section(io, 'Links', p.links.map((l) => ({ ...linkRows([l])[0], error: l.error ? `${l.error.code ?? ''} ${l.error.message}`.trim() : '' })), ['platform', 'connection', 'externalId', 'state', 'error']);
    section(io, 'Stock', p.stock as unknown as Record<string, unknown>[], ['locationId', 'available', 'reserved', 'announced', 'updatedAt']);
    if (p.conflicts.length > 0) section(io, 'Open conflicts', p.conflicts as unknown as Record<string, unknown>[], ['field', 'localOrigin', 'remoteOrigin', 'createdAt']);
  },
};

export const ordersView = pageView<OrderView>(['id', 'number', 'status', 'financial', 'fulfillment', 'total', 'lines', 'ordered'], (o) => ({
  id: o.id, number: o.number, status: o.status, financial: o.financialStatus, fulfillment: o.fulfillmentStatus, total: money(o.total, o.currency), lines: o.lines.length, ordered: o.orderedAt,
}));

export const orderView: View<OrderView> = {
  show(o, io) {
    const buyer = o.customer as { email?: unknown } | null;
    io.out(formatFields([['id', o.id], ['number', o.number], ['status', o.status], ['financial', o.financialStatus], ['fulfillment', o.fulfillmentStatus],
      ['total', money(o.total, o.currency)], ['totals', o.totals], ['customer', o.customerId ?? buyer?.email], ['placed', o.placedAt], ['ordered', o.orderedAt], ['updated', o.updatedAt]]));
    section(io, 'Lines', o.lines.map((l) => ({ ...l, unitPrice: money(l.unitPrice, o.currency), total: money(l.total, o.currency) })), ['lineNo', 'sku', 'name', 'quantity', 'unitPrice', 'total']);
    section(io, 'Links', linkRows(o.links), ['platform', 'connection', 'externalId']);
  },
};

const fullName = (c: CustomerView) => [c.firstName, c.lastName].filter(Boolean).join(' ');

export const customersView = pageView<CustomerView>(['id', 'email', 'name', 'phone', 'links', 'created'], (c) => ({
  id: c.id, email: c.email, name: fullName(c), phone: c.phone, links: linkNames(c.links), created: c.createdAt,
}));

export const customerView: View<CustomerDetail> = {
  show(c, io) {
    io.out(formatFields([['id', c.id], ['email', c.email], ['name', fullName(c)], ['phone', c.phone], ['tags', c.tags], ['accepts marketing', c.acceptsMarketing],
      ['orders', c.orderCount], ['created', c.createdAt], ['updated', c.updatedAt]]));
    section(io, 'Links', linkRows(c.links), ['platform', 'connection', 'externalId']);
    section(io, c.ordersTruncated ? `Newest ${c.orders.length} of ${c.orderCount} orders (orders list --customer ${c.id} pages through all)` : 'Orders',
      c.orders.map((o) => ({ id: o.id, number: o.number, status: o.status, total: money(o.total, o.currency), ordered: o.orderedAt })), ['id', 'number', 'status', 'total', 'ordered']);
  },
};

export const stockView = pageView<StockView>(['sku', 'product', 'location', 'available', 'reserved', 'announced', 'reorderPoint'], (s) => ({
  sku: s.sku, product: s.productName, location: s.locationId, available: s.available, reserved: s.reserved, announced: s.announced, reorderPoint: s.reorderPoint,
}));

const paging = (o: Paging) => ({ limit: limitOf(o.limit), cursor: o.cursor });

export async function productsListCommand(flags: GlobalFlags, o: Paging & { tenant: string; sku?: string; q?: string; syncStatus?: string; connection?: string }): Promise<void> {
  const args = { tenant: o.tenant, sku: o.sku, q: o.q, syncStatus: o.syncStatus as never, connection: o.connection, ...paging(o) };
  await runCommand(flags, productsList, args, productsView, o);
}

export async function productsShowCommand(flags: GlobalFlags, id: string, o: { tenant: string; json?: boolean }): Promise<void> {
  await runCommand(flags, productsShow, { tenant: o.tenant, id }, productView, o);
}

export interface ProductWriteOptions {
  tenant: string;
  sku?: string;
  name?: string;
  price?: string;
  fields?: string;
  ifVersion?: string;
  json?: boolean;
}

/** The fields to write: --fields (JSON, @file or -) with --sku/--name/--price on top. */
function productFields(o: ProductWriteOptions): Record<string, unknown> {
  const fields = o.fields === undefined ? {} : readJsonObjectArg('fields', o.fields);
  for (const key of ['sku', 'name', 'price'] as const) if (o[key] !== undefined) fields[key] = o[key];
  return fields;
}

export async function productsCreateCommand(flags: GlobalFlags, o: ProductWriteOptions): Promise<void> {
  await runCommand(flags, productsCreate, { tenant: o.tenant, fields: productFields(o) as never }, productView, o);
}

export async function productsEditCommand(flags: GlobalFlags, id: string, o: ProductWriteOptions): Promise<void> {
  const version = o.ifVersion === undefined ? undefined : Number(o.ifVersion);
  if (version !== undefined && !Number.isSafeInteger(version)) throw new CliError(`--if-version must be a whole number (the version from products show), got "${o.ifVersion}"`, EXIT.usage);
  await runCommand(flags, productsEdit, { tenant: o.tenant, id, fields: productFields(o) as never, version }, productView, o);
}

export async function ordersListCommand(
  flags: GlobalFlags,
  o: Paging & { tenant: string; connection?: string; status?: string; createdFrom?: string; createdTo?: string; customer?: string },
): Promise<void> {
  const args = { tenant: o.tenant, connection: o.connection, status: o.status as never, createdFrom: o.createdFrom, createdTo: o.createdTo, customer: o.customer, ...paging(o) };
  await runCommand(flags, ordersList, args, ordersView, o);
}

export async function ordersShowCommand(flags: GlobalFlags, id: string, o: { tenant: string; json?: boolean }): Promise<void> {
  await runCommand(flags, ordersShow, { tenant: o.tenant, id }, orderView, o);
}

export async function customersListCommand(flags: GlobalFlags, o: Paging & { tenant: string; email?: string }): Promise<void> {
  await runCommand(flags, customersList, { tenant: o.tenant, email: o.email, ...paging(o) }, customersView, o);
}

export async function customersShowCommand(flags: GlobalFlags, id: string, o: { tenant: string; json?: boolean }): Promise<void> {
  await runCommand(flags, customersShow, { tenant: o.tenant, id }, customerView, o);
}

export async function stockCommand(flags: GlobalFlags, o: Paging & { tenant: string; sku?: string; belowReorderPoint?: boolean }): Promise<void> {
  await runCommand(flags, stock, { tenant: o.tenant, sku: o.sku, belowReorderPoint: o.belowReorderPoint, ...paging(o) }, stockView, o);
}
