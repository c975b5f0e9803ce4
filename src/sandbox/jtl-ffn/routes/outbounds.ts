// /api/v1/merchant/outbounds (section 2, 5): create (reserving stock), list with $filter (the lookup before a
// retried create), read, PATCH with objectVersion, shipping notifications, and the outbounds feed.
import type { FastifyInstance } from 'fastify';
import { outboundFeed } from '../feeds.js';
import { callerOf } from '../guard.js';
import { createOutbound, findOutboundOr404, patchOutbound } from '../outbounds.js';
import { collection } from '../query.js';
import type { FfnRuntime } from '../runtime.js';
import { notificationJson, outboundJson } from '../shapes.js';

type Id = { Params: { outboundId: string } };

export const OUTBOUND_FILTERS = ['merchantOutboundNumber', 'status', 'warehouseId', 'items/merchantSku', 'statusTimestamp/shipped'];

export function registerOutboundRoutes(api: FastifyInstance, runtime: FfnRuntime): void {
  api.get('/outbounds', async (request) =>
    collection(request, runtime.baseUrl, [...runtime.store.outbounds.values()], { filterable: OUTBOUND_FILTERS, shape: (o) => outboundJson(runtime, o) }));
  api.get('/outbounds/updates', async (request) => outboundFeed(runtime, request));
  api.post('/outbounds', async (request, reply) =>
    reply.code(201).send(outboundJson(runtime, createOutbound(runtime, request.body, callerOf(request).actor))));
  api.get<Id>('/outbounds/:outboundId', async (request) => outboundJson(runtime, findOutboundOr404(runtime, request.params.outboundId)));
  api.patch<Id>('/outbounds/:outboundId', async (request) =>
    outboundJson(runtime, patchOutbound(runtime, request.params.outboundId, request.body, callerOf(request).actor)));
  api.get<Id>('/outbounds/:outboundId/shipping-notifications', async (request) => {
    const o = findOutboundOr404(runtime, request.params.outboundId);
    const rows = runtime.store.notifications.get(o.outboundId) ?? [];
    return collection(request, runtime.baseUrl, rows, { filterable: ['outboundShippingNotificationId'], shape: (n) => notificationJson(runtime, n) });
  });
}
