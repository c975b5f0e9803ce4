// Schemas shared by several routes (and by the OpenAPI document).
import { z } from 'zod';

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

export const idParams = z.object({ id: z.string().max(100) });

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const errorResponses = {
  400: errorBody,
  401: errorBody,
  404: errorBody,
  409: errorBody,
} as const;
