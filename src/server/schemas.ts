// Schemas shared by several routes (and by the OpenAPI document).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { UUID_PATTERN } from '../core/ids.js';
import type { JsonPage } from '../store/hub-reads.js';

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable error code, see docs/errors.md'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('error envelope');

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional().describe('opaque cursor from nextCursor of the previous page'),
});

export const UUID_RE = UUID_PATTERN;

/**
 * An id in a path, query or body: a UUID in either case, made lower case here, once, so that every
 * handler, query and string built from it (e.g. the associated data of a connection's secrets) sees
 * one spelling. Anything else is a 400; a well-formed id that does not exist is the handler's 404.
 */
export const uuid = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID')
  .transform((id) => id.toLowerCase());

export const idParams = z.object({ id: uuid });

export const errorResponses = {
  400: errorBody,
  401: errorBody,
  404: errorBody,
  409: errorBody,
} as const;

/**
 * An instant in a query: ISO 8601 with `Z` or an offset (microseconds kept), or a date alone, which
 * means midnight UTC. Calendar-checked: 2023-02-29 is a 400, not 1 March.
 */
export const isoInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .describe('ISO 8601 date-time with Z or an offset (e.g. 2024-05-01T00:00:00Z), or a date (midnight UTC)')
  .transform((v) => (v.length === 10 ? `${v}T00:00:00Z` : v));

/** A hub record's link to one platform record. External and platform ids are strings (ids beyond 2^53 keep every digit). */
export const linkView = z.object({
  connectionId: z.string(),
  platform: z.string(),
  connectionName: z.string(),
  externalId: z.string(),
  parentExternalId: z.string().nullable(),
  platformIds: z.record(z.string(), z.string()).describe('further ids of the record on this connection, e.g. a Shopify inventory item'),
  remoteUpdatedAt: z.string().nullable().describe("the platform's last change of the record, as it reported it"),
  lastChangedAt: z.string().describe('when a pull or webhook last wrote a change through this link'),
});

/** A page of a list endpoint. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('null on the last page') });

/**
 * Sends a page whose items the database wrote as JSON (src/store/hub-reads.ts) as it is, past the
 * response serializer: the route's response schema documents it, and the route tests check every
 * page against that schema.
 */
export function sendJsonPage(reply: FastifyReply, page: JsonPage): FastifyReply {
  const body = `{"items":${page.itemsJson},"nextCursor":${JSON.stringify(page.nextCursor)}}`;
  return reply.type('application/json; charset=utf-8').send(Buffer.from(body, 'utf8') as never);
}
