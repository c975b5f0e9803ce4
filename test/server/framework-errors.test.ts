// Errors of Fastify's router (a malformed percent-escape, a path parameter over maxParamLength) never
// reach the error handler; given `frameworkErrors` from src/server/errors.ts they get the common
// envelope with a catalogued code instead of Fastify's own body.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { frameworkErrors, registerErrorHandling } from '../../src/server/errors.js';

describe('frameworkErrors', () => {
  it('answers router errors with the error envelope and a catalogued code', async () => {
    const app = Fastify({ frameworkErrors });
    registerErrorHandling(app);
    app.get('/things/:id', async (request) => request.params);
    await app.ready();
    for (const url of ['/things/%ED%A0%80', '/things/%zz', `/things/${'x'.repeat(101)}`]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(ERROR_CODES).toContain(res.json().error.code);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect((await app.inject({ method: 'GET', url: '/things/ok' })).json()).toEqual({ id: 'ok' });
    await app.close();
  });
});
