// /api/v1/connections: create, list, get, update, delete. Settings and credentials are validated
// per platform; credentials and webhook secrets are write-only (encrypted, never returned).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { Platform } from '../../core/records.js';
import type { SecretBox } from '../../core/secret-box.js';
import { validateConnectionConfig } from '../../connectors/configs.js';
import type { Db } from '../../store/db.js';
import {
  type ConnectionView,
  deleteConnection,
  getConnection,
  insertConnection,
  listConnections,
  loadConnectionSecrets,
  updateConnection,
} from '../../store/connections.js';
import { decodeCursor } from '../../store/paging.js';
import { errorResponses, idParams, pageQuery } from '../schemas.js';

const schedule = z
  .strictObject({
    everyMinutes: z.number().int().min(1).max(7 * 24 * 60),
    mode: z.enum(['full', 'incremental']).optional(),
    streams: z.array(z.string().min(1)).min(1).optional(),
  })
  .describe('scheduled pulls: every N minutes, incremental by default, every stream unless listed');

const topics = z.array(z.string());
const webhookHealth = z
  .object({
    checkedAt: z.string().describe('when the last check ran'),
    subscriptions: z.number().int().nullable().describe("the connection's subscriptions the platform listed; null when the check failed"),
    disabledTopics: topics.describe('topics the platform had disabled, as the last check found them (before re-enabling)'),
    pausedTopics: topics.describe('topics paused at the store: reported, never turned back on'),
    unrepairedTopics: topics.describe('topics found disabled that could not be re-enabled (see error)'),
    repairedAt: z.string().nullable().describe('the last time disabled subscriptions were re-enabled'),
    repairedTopics: topics.describe('what was re-enabled at repairedAt'),
    catchUpRunIds: z.array(z.string()).describe('runs of the incremental pull started at repairedAt to read what was not delivered'),
    error: z.object({ code: z.string(), message: z.string() }).nullable().describe('why the last check, a re-enable or the catch-up pull failed'),
  })
  .nullable()
  .describe("the last check of the connection's webhook subscriptions; null until checked (only platforms that can be checked, e.g. WooCommerce)");

const connectionView = z.object({
  id: z.string(),
  platform: z.string(),
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  status: z.enum(['active', 'disabled', 'needs_reauth', 'error']),
  statusReason: z.string().nullable(),
  schedule: schedule.nullable(),
  hasCredentials: z.boolean(),
  webhookSecretSet: z.boolean(),
  webhookHealth,
  createdAt: z.string(),
  updatedAt: z.string(),
});

const name = z.string().trim().min(1).max(100).regex(/^[^\s/][^/]*$/, 'must not contain "/" or start with a space');
const jsonObject = z.record(z.string(), z.unknown());

const createBody = z.strictObject({
  platform: Platform,
  name,
  settings: jsonObject.default({}),
  credentials: jsonObject,
  webhookSecret: z.string().min(1).max(1000).optional().describe('secret used to verify webhook signatures'),
  schedule: schedule.nullable().optional(),
});

const patchBody = z.strictObject({
  name: name.optional(),
  settings: jsonObject.optional().describe('merged into the current settings; null values remove a key'),
  credentials: jsonObject.optional().describe('replaces the stored credentials'),
  webhookSecret: z.string().min(1).max(1000).nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
  schedule: schedule.nullable().optional(),
});

function invalidConfig(issues: { path: string; message: string }[]): SyncError {
  return new SyncError('validation_failed', `invalid connection configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: { issues },
  });
}

function notFound(id: string): SyncError {
  return new SyncError('not_found', `connection ${id} not found`);
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export function connectionRoutes(app: FastifyInstance, deps: { db: Db; box: SecretBox }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['connections'];

  r.post(
    '/connections',
    { schema: { tags, summary: 'Create a connection', body: createBody, response: { 201: connectionView, ...errorResponses } } },
    async (request, reply) => {
      const b = request.body;
      const checked = validateConnectionConfig(b.platform, b.settings, b.credentials);
      if (!checked.ok) throw invalidConfig(checked.issues);
      try {
        const view = await deps.db.withTenant(request.tenantId, (tx) =>
          insertConnection(tx, deps.box, {
            tenantId: request.tenantId,
            platform: b.platform,
            name: b.name,
            settings: checked.settings as Record<string, unknown>,
            credentials: checked.credentials as Record<string, unknown>,
            webhookSecret: b.webhookSecret,
            schedule: b.schedule,
          }),
        );
        return reply.code(201).send(view);
      } catch (err) {
        if (isUniqueViolation(err)) throw new SyncError('conflict', `a connection named "${b.name}" already exists`);
        throw err;
      }
    },
  );

  r.get(
    '/connections',
    {
      schema: {
        tags,
        summary: 'List connections',
        querystring: pageQuery.extend({ platform: Platform.optional() }),
        response: { 200: z.object({ items: z.array(connectionView), nextCursor: z.string().nullable() }), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, platform } = request.query;
      const after = cursor ? decodeCursor(cursor) : null;
      if (cursor && !after) throw new SyncError('validation_failed', 'cursor is not valid: use nextCursor of a previous page');
      return deps.db.withTenant(request.tenantId, (tx) => listConnections(tx, request.tenantId, { limit, after, platform }));
    },
  );

  r.get(
    '/connections/:id',
    { schema: { tags, summary: 'Get a connection', params: idParams, response: { 200: connectionView, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const view = await deps.db.withTenant(request.tenantId, (tx) => getConnection(tx, request.tenantId, id));
      if (!view) throw notFound(id);
      return view;
    },
  );

  r.patch(
    '/connections/:id',
    { schema: { tags, summary: 'Update a connection', params: idParams, body: patchBody, response: { 200: connectionView, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      const b = request.body;
      const tenantId = request.tenantId;
      try {
        const view = await deps.db.withTenant(tenantId, async (tx): Promise<ConnectionView | null> => {
          const current = await getConnection(tx, tenantId, id);
          if (!current) return null;
          let settings: Record<string, unknown> | undefined;
          let credentials: Record<string, unknown> | undefined;
          if (b.settings !== undefined || b.credentials !== undefined) {
            const merged = { ...current.settings, ...(b.settings ?? {}) };
            for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
            const stored = b.credentials ?? (await loadConnectionSecrets(tx, deps.box, tenantId, id))?.credentials ?? {};
            const checked = validateConnectionConfig(current.platform, merged, stored);
            if (!checked.ok) throw invalidConfig(checked.issues);
            settings = checked.settings as Record<string, unknown>;
            if (b.credentials !== undefined) credentials = checked.credentials as Record<string, unknown>;
          }
          return updateConnection(tx, deps.box, tenantId, id, {
            name: b.name,
            settings,
            credentials,
            webhookSecret: b.webhookSecret,
            status: b.status,
            statusReason: b.status ? null : undefined,
            schedule: b.schedule,
          });
        });
        if (!view) throw notFound(id);
        return view;
      } catch (err) {
        if (isUniqueViolation(err)) throw new SyncError('conflict', `a connection named "${b.name}" already exists`);
        throw err;
      }
    },
  );

  r.delete(
    '/connections/:id',
    { schema: { tags, summary: 'Delete a connection and its links, runs and checkpoints', params: idParams, response: { 204: z.null(), ...errorResponses } } },
    async (request, reply) => {
      const { id } = request.params;
      const deleted = await deps.db.withTenant(request.tenantId, (tx) => deleteConnection(tx, request.tenantId, id));
      if (!deleted) throw notFound(id);
      return reply.code(204).send(null);
    },
  );
}
