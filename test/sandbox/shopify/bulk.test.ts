// Bulk operations: lifecycle, JSONL with __parentId, grouping, concurrency, failures, cancel, finish
// webhook (platforms/shopify.md section 3).
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import { startShopifySandbox } from '../../../src/sandbox/shopify/index.js';
import type { Receiver } from './helpers.js';
import { gql, startReceiver, waitFor } from './helpers.js';

let sb: ShopifySandbox;
let receiver: Receiver | undefined;
afterEach(async () => {
  await sb?.close();
  await receiver?.close();
  receiver = undefined;
});

const ORDERS_QUERY = '{ orders { edges { node { id name lineItems { edges { node { id sku quantity } } } } } } }';

interface BulkOp {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
}

const FIELDS = 'id status errorCode objectCount rootObjectCount fileSize url partialDataUrl';

async function run(query: string, version = '2025-01', extra = '') {
  const result = await gql(sb, `mutation Run($q: String!) { bulkOperationRunQuery(query: $q${extra}) { bulkOperation { id status } userErrors { field message code } } }`, { q: query }, { version });
  return result.body.data?.bulkOperationRunQuery as { bulkOperation: { id: string; status: string } | null; userErrors: { field: string[] | null; message: string; code: string | null }[] };
}

async function finished(version = '2025-01'): Promise<BulkOp> {
  return waitFor(async () => {
    const op = (await gql(sb, `{ currentBulkOperation { ${FIELDS} } }`, {}, { version })).body.data?.currentBulkOperation as BulkOp;
    return ['COMPLETED', 'FAILED', 'CANCELED'].includes(op.status) ? op : undefined;
  }, 10_000, 'the bulk operation to finish');
}

async function lines(url: string): Promise<Record<string, unknown>[]> {
  const text = await (await fetch(url)).text();
  return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('bulk operations', () => {
  it('runs CREATED -> RUNNING -> COMPLETED and writes grouped JSONL with __parentId', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    sb.seed({ products: 4, orders: 30, linesPerOrder: 3 });
    const started = await run(ORDERS_QUERY);
    expect(started.userErrors).toEqual([]);
    expect(started.bulkOperation).toMatchObject({ id: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/), status: 'CREATED' });
    await waitFor(async () => (await gql(sb, '{ currentBulkOperation { status } }')).body.data?.currentBulkOperation.status === 'RUNNING' || sb.runtime.bulk.list()[0]?.status === 'COMPLETED', 5000, 'RUNNING');
    const op = await finished();
    expect(op).toMatchObject({ id: started.bulkOperation?.id, status: 'COMPLETED', errorCode: null, objectCount: '120', rootObjectCount: '30', partialDataUrl: null });
    expect(typeof op.fileSize).toBe('string');
    expect(op.url).toBe(`${sb.url}/_sandbox/bulk/${op.id.split('/').pop()}.jsonl`);
    const rows = await lines(op.url ?? '');
    expect(rows).toHaveLength(120);
    let parent: string | undefined;
    for (const row of rows) {
      if (row.__parentId === undefined) {
        expect(Object.keys(row)).toEqual(['id', 'name']);
        parent = row.id as string;
      } else {
        expect(row.__parentId).toBe(parent); // grouped: children right after their parent
        expect(Object.keys(row)).toEqual(['id', 'sku', 'quantity', '__parentId']);
      }
    }
    expect(Number(op.fileSize)).toBe(Buffer.byteLength(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  });

  it('validates the query and answers problems as userErrors', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    const cases: [string, RegExp][] = [
      ['{ shop { name } }', /at least one connection/],
      ['{ node(id: "gid://shopify/Product/1") { id } }', /top level `node`/],
      ['{ products { edges { node { variants { edges { node { inventoryItem { inventoryLevels { edges { node { id } } } } } } } } } } }', /nesting depth greater than 2/],
      ['{ a: products { nodes { id } } b: products { nodes { id } } c: products { nodes { id } } d: orders { nodes { id } } e: customers { nodes { id } } f: locations { nodes { id } } }', /more than 5 connections/],
      ['{ products { nodes { nope } } }', /Invalid bulk query/],
    ];
    for (const [query, message] of cases) {
      const result = await run(query);
      expect(result.bulkOperation).toBeNull();
      expect(result.userErrors[0]).toMatchObject({ field: ['query'], code: 'INVALID' });
      expect(result.userErrors[0]?.message).toMatch(message);
    }
  });

  it('allows one running query before 2026-01 and five from 2026-01, with the exact in-progress message', async () => {
    sb = await startShopifySandbox({ timeScale: 0.001 }); // operations stay CREATED for the whole test
    const first = await run('{ products { nodes { id } } }');
    const second = await run('{ products { nodes { id } } }');
    expect(second.bulkOperation).toBeNull();
    expect(second.userErrors).toEqual([{ field: null, code: 'OPERATION_IN_PROGRESS',
      message: `A bulk query operation for this app and shop is already in progress: ${first.bulkOperation?.id}.` }]);
    for (let i = 0; i < 4; i += 1) expect((await run('{ products { nodes { id } } }', '2026-01')).userErrors).toEqual([]);
    expect((await run('{ products { nodes { id } } }', '2026-01')).userErrors[0]?.code).toBe('OPERATION_IN_PROGRESS');
  });

  it('gives url null for an empty result', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    await run('{ products { nodes { id } } }');
    const op = await finished();
    expect(op).toMatchObject({ status: 'COMPLETED', objectCount: '0', url: null });
  });

  it('writes ungrouped output from 2026-01, and children before parents under the fault', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    sb.seed({ products: 3, variantsPerProduct: 2 });
    sb.setFaults({ bulkUngroupedChildrenFirst: true });
    const q = '{ products { nodes { id variants { nodes { id } } } } }';
    await run(q, '2026-01');
    const ungrouped = await lines((await finished('2026-01')).url ?? '');
    expect(ungrouped.slice(0, 6).every((r) => r.__parentId !== undefined)).toBe(true);
    expect(ungrouped.slice(6).every((r) => r.__parentId === undefined)).toBe(true);
    await run(q, '2026-01', ', groupObjects: true');
    const grouped = await lines((await finished('2026-01')).url ?? '');
    expect(grouped[0]?.__parentId).toBeUndefined();
    expect(grouped[1]?.__parentId).toBe(grouped[0]?.id);
  });

  it('fails with INTERNAL_SERVER_ERROR and a partialDataUrl under the fault, and notifies bulk_operations/finish', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    receiver = await startReceiver();
    sb.subscribeWebhook({ topic: 'bulk_operations/finish', address: receiver.url });
    sb.seed({ products: 300 });
    sb.setFaults({ bulkFailure: 'INTERNAL_SERVER_ERROR' });
    const started = await run('{ products { nodes { id } } }');
    const op = await finished();
    expect(op).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR', url: null, objectCount: '250' });
    expect(await lines(op.partialDataUrl ?? '')).toHaveLength(250);
    const delivery = await waitFor(() => receiver?.received[0], 5000, 'the finish webhook');
    expect(delivery.headers['x-shopify-topic']).toBe('bulk_operations/finish');
    expect(JSON.parse(delivery.body)).toMatchObject({ admin_graphql_api_id: started.bulkOperation?.id, status: 'failed', error_code: 'internal_server_error', type: 'query' });
  });

  it('cancels a running operation and looks operations up by id from 2026-01 only', async () => {
    sb = await startShopifySandbox({ timeScale: 200 });
    sb.seed({ products: 10 });
    sb.setFaults({ bulkFailure: 'STALL' });
    const started = await run('{ products { nodes { id } } }', '2026-01');
    const id = started.bulkOperation?.id;
    await waitFor(() => sb.runtime.bulk.list()[0]?.status === 'RUNNING', 5000, 'RUNNING');
    const cancel = await gql(sb, `mutation { bulkOperationCancel(id: "${id}") { bulkOperation { status } userErrors { message } } }`);
    expect(cancel.body.data?.bulkOperationCancel).toEqual({ bulkOperation: { status: 'CANCELING' }, userErrors: [] });
    const byId = async (version: string) => gql(sb, `{ bulkOperation(id: "${id}") { status } }`, {}, { version });
    await waitFor(async () => (await byId('2026-01')).body.data?.bulkOperation.status === 'CANCELED', 5000, 'CANCELED');
    expect((await byId('2025-10')).body.errors?.[0]?.message).toMatch(/bulkOperation/);
  });

  it('streams 20k orders x 5 lines without building the file in memory', async () => {
    sb = await startShopifySandbox({ timeScale: 10_000 });
    sb.seed({ products: 50, orders: 20_000, linesPerOrder: 5 });
    await run(ORDERS_QUERY);
    const op = await finished();
    expect(op).toMatchObject({ status: 'COMPLETED', objectCount: String(20_000 * 6), rootObjectCount: '20000' });
    const response = await fetch(op.url ?? '');
    let count = 0;
    let rest = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const parts = (rest + Buffer.from(chunk).toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      count += parts.length;
    }
    expect(count).toBe(120_000);
  }, 60_000);
});
