// Hub edits from the CLI: `products create` and `products edit`, through the same store functions as
// POST and PATCH /api/v1/products (src/store/hub-writes-products.ts), so provenance (origin `hub` per
// field), the version check, every refusal and the push to the product's platforms are the API's.
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import { getProduct, type ProductDetail } from '../../store/hub-reads-products.js';
import { createHubProduct, ProductCreateInput, ProductPatchInput, ProductVersion, updateHubProduct } from '../../store/hub-writes-products.js';
import { enqueueProductPushes } from '../../engine/product-pushes.js';
import { defineOperation, idArg, tenantArg, tenantOf } from './context.js';

export const productsCreate = defineOperation({
  name: 'products-create',
  args: z.object({ tenant: tenantArg, fields: ProductCreateInput }),
  async run(ctx, { tenant, fields }): Promise<ProductDetail> {
    const t = await tenantOf(ctx.db, tenant);
    return createHubProduct(ctx.db, t.id, fields);
  },
});

export const productsEdit = defineOperation({
  name: 'products-edit',
  // The edit is pushed to the product's platforms like an API edit: the job goes to the queue, which a
  // running serve or worker executes.
  engine: 'queue',
  args: z.object({
    tenant: tenantArg,
    id: idArg,
    fields: ProductPatchInput,
    /**
     * The version the edit is based on (from `products show`); a product written since gets
     * version_conflict (exit 5). Without it the edit applies to the product as it is when the command
     * runs: a person typing `products edit` has read nothing that could be stale.
     */
    version: ProductVersion.optional(),
  }),
  async run(ctx, { tenant, id, fields, version }): Promise<ProductDetail> {
    const t = await tenantOf(ctx.db, tenant);
    const expected = version ?? (await ctx.db.withTenant(t.id, (tx) => getProduct(tx, t.id, id)))?.version;
    if (expected === undefined) throw new SyncError('not_found', `product ${id} not found`);
    const product = await updateHubProduct(ctx.db, t.id, id, fields, expected);
    if (ctx.engine) await enqueueProductPushes(ctx.engine, t.id, [id]).catch((err) => ctx.logger.warn({ err, productId: id }, 'could not queue the product push'));
    return product;
  },
});
