// POST /webhooks/:platform/:connectionId — platform deliveries. Authenticated by the platform's
// signature over the raw body (not by an API key), so the body is kept as bytes: re-serialised JSON
// would not match the signature. Answers as soon as the delivery is durably stored; a signed delivery
// whose payload cannot be applied is stored and dead-lettered, and answered 200 all the same, so the
// platform does not retry it for days. Nothing is answered 200 before the delivery's transaction has
// committed: a database that is unavailable or full makes it 503 with Retry-After (server/errors.ts),
// so the platform redelivers, and the redelivery is deduplicated if the first one was stored after all.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Engine } from '../../engine/engine.js';
import { uuid } from '../schemas.js';

const params = z.object({ platform: z.string().min(1).max(50), connectionId: uuid });

export async function webhookRoutes(app: FastifyInstance, deps: { engine: Engine }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/:platform/:connectionId',
    { schema: { hide: true, params } },
    async (request, reply) => {
      const { platform, connectionId } = request.params;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const res = await deps.engine.receiveWebhook(platform, connectionId, {
        headers: request.headers,
        rawBody: body,
        query: request.query as Record<string, string | undefined>,
      });
      return reply.code(200).send({ received: res.received, duplicates: res.duplicates });
    },
  );
}
