// POST /api/v1/products, PATCH and DELETE /api/v1/products/:id: hub edits of products (the store side,
// with provenance, versions and the audit trail, is src/store/hub-writes-products.ts).
//
// Edits are conditional: PATCH and DELETE must name the version they are based on, as
// `If-Match: "<version>"` (the ETag of GET /products/:id) or as a `version` field of the body. Without
// either the answer is 428 precondition_required — an unconditional write would silently overwrite a
// pull or another client's edit made since the caller's read, the lost update this API exists to
// prevent. A stale version is 409 version_conflict with the current product in details.current.
// Order of refusals: 400 (bad input) before 428 (no version) before 404 before 409.
//
// Pushes: a PATCH of a linked product queues a push to each of its linked platforms that take product
// pushes (engine/product-pushes.ts). POST creates a product without links: nothing to push it to.
// DELETE is not pushed yet: the platforms keep their record (and its link stays).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { Db } from '../../store/db.js';
import type { ProductDetail } from '../../store/hub-reads-products.js';
import { createHubProduct, deleteHubProduct, ProductCreateInput, ProductPatchInput, ProductVersion, updateHubProduct } from '../../store/hub-writes-products.js';
import { errorBody, errorResponses, idParams } from '../schemas.js';
import { productDetail } from './products.js';
import { enqueueProductPushes, type PushOutbox } from '../../engine/product-pushes.js';

const version = ProductVersion.describe('the version the change is based on (alternative to If-Match)');

const patchBody = ProductPatchInput.extend({ version: version.optional() }).refine((b) => Object.keys(b).some((k) => k !== 'version'), {
  message: 'set at least one field',
});

// Fastify validates an absent body as null.
const deleteBody = z.strictObject({ version }).nullish();

// Loose: the validated headers replace request.headers, which must keep the others.
const ifMatchHeaders = z.looseObject({
  'if-match': z.string().max(200).optional().describe('"<version>" as the ETag of GET /products/:id gave it'),
});

const writeErrors = { ...errorResponses, 428: errorBody } as const;

/** `"12"` -> 12. A strong ETag only: ours are strong, and `*` or a list would not name one version. */
function parseIfMatch(value: string): number {
  const m = /^\s*"(\d{1,15})"\s*$/.exec(value);
  if (!m) {
    const message = 'must be one version in quotes, as the ETag of GET /products/:id, e.g. "3"';
    throw new SyncError('validation_failed', `invalid headers: if-match: ${message}`, { details: { issues: [{ path: 'if-match', message }] } });
  }
  return Number(m[1]);
}

/** The version an edit is based on, from If-Match or the body; both may be given if they agree. */
export function expectedVersion(ifMatch: string | undefined, bodyVersion: number | undefined): number {
  const fromHeader = ifMatch === undefined ? undefined : parseIfMatch(ifMatch);
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new SyncError('validation_failed', `If-Match names version ${fromHeader} and the body version ${bodyVersion}: send one, or the same in both`, {
      details: { issues: [{ path: 'version', message: 'differs from If-Match' }] },
    });
  }
  const v = fromHeader ?? bodyVersion;
  if (v === undefined) {
    throw new SyncError('precondition_required', 'name the version this change is based on: an If-Match header with the ETag of GET /products/:id, or a `version` field');
  }
  return v;
}

function sendProduct(reply: FastifyReply, product: ProductDetail, status: 200 | 201): FastifyReply {
  void reply.header('etag', `"${product.version}"`);
  if (status === 201) void reply.header('location', `/api/v1/products/${product.id}`);
  return reply.code(status).send(product);
}

export function productWriteRoutes(app: FastifyInstance, deps: { db: Db; engine?: PushOutbox }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['products'];

  r.post(
    '/products',
    {
      schema: {
        tags,
        summary: 'Create a product in the hub',
        description: 'sku and name are required; every field set gets origin `hub` in fieldMeta. 409 sku_taken when another live product has the SKU.',
        body: ProductCreateInput,
        response: { 201: productDetail, ...writeErrors },
      },
    },
    async (request, reply) => sendProduct(reply, await createHubProduct(deps.db, request.tenantId, request.body), 201),
  );

  r.patch(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'Edit a product: set the given fields (null clears one)',
        description:
          'Needs If-Match: "<version>" or a `version` field (428 without). The fields set get origin `hub`; the others keep theirs. ' +
          'A product with links becomes pending. 409 version_conflict (details.current: the product now) or sku_taken.',
        params: idParams,
        headers: ifMatchHeaders,
        body: patchBody,
        response: { 200: productDetail, ...writeErrors },
      },
    },
    async (request, reply) => {
      const { version: bodyVersion, ...patch } = request.body;
      const expected = expectedVersion(request.headers['if-match'], bodyVersion);
      const product = await updateHubProduct(deps.db, request.tenantId, request.params.id, patch, expected);
      // After the commit: the push reads the product as this edit left it. The edit stands whatever the
      // queue says; the product stays pending until a push (or POST /products/:id/sync) reaches its links.
      if (deps.engine && product.links.length > 0) {
        await enqueueProductPushes(deps.engine, request.tenantId, [product.id]).catch((err) => request.log.warn({ err, productId: product.id }, 'could not queue the product push'));
      }
      return sendProduct(reply, product, 200);
    },
  );

  r.delete(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'Delete a product (soft: it leaves lists and reads answer 404)',
        description: 'Needs If-Match: "<version>" or a body {"version": n} (428 without); 409 version_conflict when stale.',
        params: idParams,
        headers: ifMatchHeaders,
        body: deleteBody,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], request.body?.version);
      await deleteHubProduct(deps.db, request.tenantId, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );
}
