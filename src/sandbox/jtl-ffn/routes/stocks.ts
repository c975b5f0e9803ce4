// /api/v1/merchant/stocks (section 2): read-only for merchants (the fulfiller owns stock, section 5), per
// product with per-warehouse levels, per warehouse, and the stock-change feed. Also the reference data
// (/warehouses) and /api/v1/users/current, which clients call to test a connection.
import type { FastifyInstance } from 'fastify';
import { FfnError } from '../errors.js';
import { stockFeed } from '../feeds.js';
import { callerOf } from '../guard.js';
import { findProductOr404 } from '../products.js';
import { collection } from '../query.js';
import type { FfnRuntime } from '../runtime.js';
import { stockJson, warehouseJson } from '../shapes.js';
import type { ProductRec } from '../store.js';

export const STOCK_FILTERS = ['jfsku', 'merchantSku', 'stockLevel', 'warehouses/warehouseId'];
export const WAREHOUSE_FILTERS = ['warehouseId', 'name'];

export function registerStockRoutes(api: FastifyInstance, runtime: FfnRuntime): void {
  const live = () => [...runtime.store.products.values()].filter((p) => p.mod.state !== 'Deleted');

  const spec = (warehouseId?: string) => ({
    filterable: STOCK_FILTERS,
    shape: (p: ProductRec) => stockJson(runtime, p, warehouseId),
    // SKU lookups must not sum every product's levels: those are computed only when a clause needs them.
    view: (p: ProductRec) => ({
      jfsku: p.jfsku, merchantSku: p.fields.merchantSku,
      get stockLevel() { return stockJson(runtime, p, warehouseId).stockLevel; },
      get warehouses() { return stockJson(runtime, p, warehouseId).warehouses; },
    }),
  });
  api.get('/merchant/stocks', async (request) => collection(request, runtime.baseUrl, live(), spec()));
  api.get('/merchant/stocks/updates', async (request) => stockFeed(runtime, request));
  api.get<{ Params: { warehouseId: string } }>('/merchant/stocks/warehouse/:warehouseId', async (request) => {
    const { warehouseId } = request.params;
    if (!runtime.store.warehouses.has(warehouseId)) throw new FfnError(404, 'Warehouses_WarehouseNotFound', `warehouse ${warehouseId} not found`);
    const rows = live().filter((p) => runtime.store.cell(p.jfsku, warehouseId) !== undefined);
    return collection(request, runtime.baseUrl, rows, spec(warehouseId));
  });
  api.get<{ Params: { jfsku: string } }>('/merchant/stocks/:jfsku', async (request) =>
    stockJson(runtime, findProductOr404(runtime, request.params.jfsku)));
  api.get('/merchant/warehouses', async (request) =>
    collection(request, runtime.baseUrl, [...runtime.store.warehouses.values()], { filterable: WAREHOUSE_FILTERS, shape: warehouseJson }));
  api.get('/users/current', async (request) => {
    const { actor, scopes } = callerOf(request);
    return { userId: actor.userId, merchantId: runtime.options.merchantId, applicationId: actor.applicationId, scopes };
  });
}
