// Printful v1 lists that ignore offset/limit: the v1 spec of GET /store/products names no paging
// parameters, so a store may answer its whole list at once (without `paging`, or with a total no
// larger than what it answered). The refresh must end `succeeded` with every variant, not fail
// with `pagination_loop` on the repeat. A list that really repeats while its total says more is
// still a loop.
import { afterEach, describe, expect, it } from 'vitest';
import { isWholeList } from '../../src/connectors/printful/streams.js';
import { printfulConnector } from '../../src/connectors/printful/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../../src/core/secret-box.js';
import { Engine } from '../../src/engine/engine.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { type PrintfulSandbox, startPrintfulSandbox } from '../../src/sandbox/printful/index.js';
import { createLogger } from '../../src/server/logger.js';
import { insertConnection } from '../../src/store/connections.js';
import { createTenant } from '../../src/store/tenants.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';

interface Harness {
  t: TestDb;
  sb: PrintfulSandbox;
  engine: Engine;
  sync(): Promise<{ status: string; error?: { code?: string } | null; counts: Record<string, number> }>;
  hubSkus(): Promise<string[]>;
  listRequests(): number[];
}

async function harness(catalog: { storeProducts: number; storeVariantsPerProduct: number }): Promise<Harness> {
  const t = await createTestDb();
  const sb = await startPrintfulSandbox({ timeScale: 600, catalog: { products: 300, variantsPerProduct: 10, seed: 7, ...catalog } });
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await t.db.transaction((tx) => createTenant(tx, 'pf'));
  const conn = await t.db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, { tenantId: tenant.id, platform: 'printful', name: 'pf', settings: { baseUrl: sb.url }, credentials: { token: sb.token } }),
  );
  const engine = new Engine({
    db: t.db, box, logger: createLogger({ level: 'silent' }), registry: connectorRegistry([printfulConnector]),
    http: { timeoutMs: 2_000, backoff: { baseMs: 5, capMs: 50 } }, outbound: SANDBOX_OUTBOUND,
  });
  return {
    t, sb, engine,
    async sync() {
      const res = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams: ['products'], mode: 'full', trigger: 'cli', force: true });
      return (await engine.execute(tenant.id, res.created[0]!.id)) as never;
    },
    async hubSkus() {
      const { rows } = await t.db.query<{ sku: string }>(
        `SELECT p.sku FROM links l JOIN products p ON p.id = l.hub_id WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL ORDER BY p.sku`, [conn.id]);
      return rows.map((r) => r.sku);
    },
    listRequests: () => sb.requests().filter((r) => r.method === 'GET' && /^\/store\/products(\?|$)/.test(r.path)).map((r) => Number(new URL(`http://sandbox${r.path}`).searchParams.get('offset') ?? 0)),
  };
}

const truthSkus = (sb: PrintfulSandbox) => [...sb.runtime.store.syncVariants.values()].map((v) => v.sku).sort();

describe('Printful v1 store products answered unpaged', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    await h?.sb.close();
    await h?.t.cleanup();
    h = undefined;
  });

  it.each(['without_paging', 'with_total'] as const)('a 304-variant store answered whole (%s): the refresh succeeds with every variant', async (unpaged) => {
    h = await harness({ storeProducts: 105, storeVariantsPerProduct: 3 });
    expect(truthSkus(h.sb)).toHaveLength(304);
    h.sb.setFaults({ unpagedLists: unpaged });
    const run = await h.sync();
    expect(run.status).toBe('succeeded');
    expect(await h.hubSkus()).toEqual(truthSkus(h.sb));
    expect(h.listRequests()).toEqual([0]); // one listing: more items than asked for is the whole list
  });

  it('a store of exactly one page answered without paging: the repeat at the next offset ends the list', async () => {
    h = await harness({ storeProducts: 100, storeVariantsPerProduct: 1 });
    h.sb.setFaults({ unpagedLists: 'without_paging' });
    const run = await h.sync();
    expect(run.status).toBe('succeeded');
    expect(await h.hubSkus()).toEqual(truthSkus(h.sb));
    expect(h.listRequests()).toEqual([0, 100]);
  });

  it('a list that repeats while its total says there is more is still a pagination loop', async () => {
    h = await harness({ storeProducts: 152, storeVariantsPerProduct: 2 });
    h.sb.setFaults({ repeatPages: true });
    const run = await h.sync();
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('pagination_loop');
  });

  it('isWholeList: more than the limit, or a total no larger than what came, is the whole list', () => {
    expect(isWholeList(304, null)).toBe(true);
    expect(isWholeList(100, null)).toBe(false);
    expect(isWholeList(40, { total: 40, offset: 0, limit: 100 })).toBe(true);
    expect(isWholeList(100, { total: 304, offset: 0, limit: 100 })).toBe(false);
  });
});
