// GET/PUT /api/v1/field-ownership: which origin may set which product field (DESIGN.md 5.6 defaults,
// overridable per tenant), and the conflict window. docs/bidirectional.md has the matrix.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PRODUCT_FIELDS } from '../../core/ownership.js';
import type { Engine } from '../../engine/engine.js';
import { loadMergePolicy, type MergePolicy, saveMergePolicy } from '../../store/field-ownership.js';
import { errorResponses } from '../schemas.js';

const ruleView = z.object({ mode: z.enum(['owned', 'shared']), writers: z.array(z.string()) });
const policyView = z.object({
  fields: z.record(z.string(), ruleView).describe('every product field with its effective rule (defaults plus overrides)'),
  overrides: z.record(z.string(), z.unknown()).describe('the tenant overrides as stored'),
  conflictWindowSeconds: z.number(),
});

const view = (p: MergePolicy) => ({
  fields: Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, { mode: p.ownership[f].mode, writers: [...p.ownership[f].writers] }])),
  overrides: p.overrides,
  conflictWindowSeconds: p.conflictWindowSeconds,
});

export function fieldOwnershipRoutes(app: FastifyInstance, deps: { engine: Engine }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['bi-directional sync'];
  r.get('/field-ownership', { schema: { tags, summary: 'The effective field ownership and conflict window', response: { 200: policyView, ...errorResponses } } }, async (request) =>
    view(await deps.engine.db.withTenant(request.tenantId, (tx) => loadMergePolicy(tx, request.tenantId))),
  );
  r.put(
    '/field-ownership',
    {
      schema: {
        tags,
        summary: 'Replace the tenant overrides: {overrides: {field: {mode:"owned",owners:[...]} | {mode:"shared",writers?:[...]}}, conflictWindowSeconds?}',
        // The overrides document is checked by core/ownership.ts (unknown fields, platforms that cannot hold a field), all issues at once.
        body: z.strictObject({ overrides: z.record(z.string(), z.unknown()), conflictWindowSeconds: z.number().int().min(0).max(86_400).optional() }),
        response: { 200: policyView, ...errorResponses },
      },
    },
    async (request) => view(await deps.engine.db.withTenant(request.tenantId, (tx) => saveMergePolicy(tx, request.tenantId, request.body.overrides, request.body.conflictWindowSeconds))),
  );
}
