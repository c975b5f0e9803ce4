// Schemas shared by several routes (and by the OpenAPI document).
import { z } from 'zod';
import { UUID_PATTERN } from '../core/ids.js';

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
