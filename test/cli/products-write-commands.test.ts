// `products create` and `products edit` run the API's store functions: provenance `hub` on the fields
// they set, the version check, and the API's refusals with the CLI's exit codes (2 bad input or not
// found, 5 a conflict).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { execute, type Io } from '../../src/cli/command.js';
import { productView } from '../../src/cli/commands/data.js';
import type { Operation } from '../../src/cli/ops/context.js';
import { productsCreate, productsEdit } from '../../src/cli/ops/products-write.js';
import { EXIT, exitCodeFor } from '../../src/cli/output.js';
import { ContextSession } from '../../src/cli/session.js';
import { createLogger } from '../../src/server/logger.js';
import type { ProductDetail } from '../../src/store/hub-reads-products.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('products create and edit commands', () => {
  let h: TestApp;
  let session: ContextSession;
  beforeAll(async () => {
    h = await createTestApp();
    await h.t.db.transaction((tx) => createTenant(tx, 'writer'));
    session = new ContextSession({ db: h.t.db, box: h.box, engine: h.engine, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(() => h?.close());

  async function run<A extends z.ZodType>(op: Operation<A, ProductDetail>, args: z.input<A>) {
    let out = '';
    const io: Io = { out: (t) => void (out += t), err: () => undefined, json: true, live: false };
    try {
      return { code: await execute(session, op, args, productView, io), product: out ? (JSON.parse(out) as ProductDetail) : null, message: '' };
    } catch (e) {
      return { code: exitCodeFor(e), product: null, message: (e as Error).message };
    }
  }

  it('creates with origin hub, edits the current version when none is given, and refuses a stale one with exit 5', async () => {
    const created = await run(productsCreate, { tenant: 'writer', fields: { sku: 'CLI-1', name: 'Mug', price: '9.50' } });
    expect(created.code).toBe(EXIT.ok);
    const p = created.product!;
    expect([p.version, p.fieldMeta.price?.origin, p.fieldMeta.name?.origin]).toEqual([1, 'hub', 'hub']);

    const edited = await run(productsEdit, { tenant: 'writer', id: p.id, fields: { price: '11.00' } });
    expect([edited.code, edited.product?.version, edited.product?.fields.price]).toEqual([EXIT.ok, 2, '11.00']);
    const stale = await run(productsEdit, { tenant: 'writer', id: p.id, fields: { name: 'Cup' }, version: 1 });
    expect([stale.code, stale.message]).toEqual([EXIT.conflict, expect.stringMatching(/version 2, not 1/)]);
    const again = await run(productsEdit, { tenant: 'writer', id: p.id, fields: { name: 'Cup' }, version: 2 });
    expect([again.code, again.product?.name, again.product?.version]).toEqual([EXIT.ok, 'Cup', 3]);
  });

  it('bad fields, an unknown product or tenant exit 2; a SKU in use exits 5', async () => {
    await run(productsCreate, { tenant: 'writer', fields: { sku: 'CLI-TAKEN', name: 'Taken' } });
    const cases: [Operation<z.ZodType, ProductDetail>, unknown, number, RegExp][] = [
      [productsCreate, { tenant: 'writer', fields: { sku: 'CLI-2' } }, EXIT.usage, /name/],
      [productsCreate, { tenant: 'writer', fields: { sku: 'CLI-2', name: 'x', price: -1 } }, EXIT.usage, /price/],
      [productsCreate, { tenant: 'writer', fields: { sku: 'CLI-2', name: 'x', colour: 'red' } }, EXIT.usage, /colour/],
      [productsCreate, { tenant: 'writer', fields: { sku: 'CLI-TAKEN', name: 'Second' } }, EXIT.conflict, /already used/],
      [productsCreate, { tenant: 'nobody', fields: { sku: 'CLI-3', name: 'x' } }, EXIT.usage, /no single tenant/],
      [productsEdit, { tenant: 'writer', id: '0190c7a2-0000-7000-8000-000000000000', fields: { name: 'x' } }, EXIT.usage, /not found/],
      [productsEdit, { tenant: 'writer', id: 'not-a-uuid', fields: { name: 'x' } }, EXIT.usage, /UUID/],
    ];
    for (const [op, args, code, message] of cases) {
      const res = await run(op, args as never);
      expect([res.code, res.message], JSON.stringify(args)).toEqual([code, expect.stringMatching(message)]);
    }
  });
});
