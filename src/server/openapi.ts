// OpenAPI document generated from the route schemas (zod -> JSON Schema), served at
// /api/v1/openapi.json, with a browsable page at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'commerce-sync API',
        version,
        description:
          'Hub API of commerce-sync. Authenticate with `Authorization: Bearer <tenant API key>` ' +
          '(create one with `commerce-sync tenants create <name>`). Errors use `{error: {code, message, details?}}`; ' +
          'lists page with `limit` and an opaque `cursor`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
