// POST /webhooks/:platform/:connectionId — platform deliveries. Authenticated by the platform's
// signature over the raw body (not by an API key), so the body is kept as bytes: re-serialised JSON
// would not match the signature. Answers as soon as the delivery is durably stored.
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';

export async function webhookRoutes(app: FastifyInstance, deps: { engine: Engine }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.post<{ Params: { platform: string; connectionId: string }; Body: Buffer }>(
    '/webhooks/:platform/:connectionId',
    { schema: { hide: true } },
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
