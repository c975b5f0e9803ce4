// Full pulls through a bulk operation (platforms/shopify.md section 3). The operation's id goes into
// the checkpoint before anything else, so a crash resumes polling the same operation instead of
// starting a second one. The JSONL result is streamed to a temporary file (constant memory however
// large the shop) and indexed in one pass: parent lines in file order, and each parent's child lines
// (`__parentId`), wherever in the file they are — grouped output puts them after their parent,
// ungrouped output may put them before it. Pages are then read parent by parent from the file.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { IncrementalCursor } from '../../core/incremental.js';
import { abortableSleep } from '../limiter.js';
import type { Ctx, PageResult } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { BulkIndex } from './bulk-index.js';
import { gql } from './graphql.js';

export const BulkState = z.object({
  id: z.string(),
  /** When the operation was created: the snapshot time the next incremental window starts from. */
  createdAt: z.string(),
  /** Ordinal of the next parent object to emit. */
  parent: z.number().int().min(0),
  restarts: z.number().int().min(0).default(0),
});
export type BulkState = z.infer<typeof BulkState>;

type Cursor = IncrementalCursor & { bulk?: BulkState | null };

const PARENTS_PER_PAGE = 250;
const MAX_RESTARTS = 3;
/** Child GID type -> where its connection sits on the parent line (InventoryLevel: under a variant's inventory item). */
const CHILD_PATH: Record<string, string[]> = {
  ProductVariant: ['variants'],
  LineItem: ['lineItems'],
  InventoryLevel: ['inventoryItem', 'inventoryLevels'],
};

interface BulkOperation {
  id: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';
  errorCode?: string | null;
  createdAt: string;
  url?: string | null;
  partialDataUrl?: string | null;
  query?: string | null;
}

const OP_FIELDS = 'id status errorCode createdAt url partialDataUrl query';

/** Starts a bulk query. Its userErrors are `BulkOperationUserError`s (with a code); only the message is read. */
export const BULK_RUN_QUERY_MUTATION = `mutation Start($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { ${OP_FIELDS} } userErrors { field message } } }`;

/** The app's most recent bulk query, on every version. */
export const CURRENT_BULK_OPERATION_QUERY = `{ currentBulkOperation { ${OP_FIELDS} } }`;

/** One operation by id: `bulkOperation(id:)` exists from 2026-01 only (null: not sent on older versions). */
export function bulkOperationQuery(apiVersion: string): string | null {
  return apiVersion === 'unstable' || apiVersion >= '2026-01' ? `query Op($id: ID!) { bulkOperation(id: $id) { ${OP_FIELDS} } }` : null;
}

async function startBulk(ctx: Ctx<ShopifyConfig>, query: string): Promise<BulkOperation> {
  for (;;) {
    const data = await gql<{ bulkOperationRunQuery: { bulkOperation: BulkOperation | null; userErrors: { message: string }[] } }>(
      ctx,
      BULK_RUN_QUERY_MUTATION,
      { q: query },
      10,
    );
    const r = data.bulkOperationRunQuery;
    if (r.bulkOperation) return r.bulkOperation;
    const busy = r.userErrors.find((e) => /already in progress/i.test(e.message));
    if (!busy) throw new SyncError('upstream_rejected', `bulk operation refused: ${r.userErrors.map((e) => e.message).join('; ')}`);
    // Another bulk query holds the shop's slot: wait for it instead of failing (lessons.md 10).
    const current = await currentOperation(ctx);
    if (current && current.query === query && (current.status === 'CREATED' || current.status === 'RUNNING')) return current;
    if (current) await waitForOperation(ctx, current.id);
    else await abortableSleep(1_000, ctx.signal);
  }
}

async function currentOperation(ctx: Ctx<ShopifyConfig>): Promise<BulkOperation | null> {
  const data = await gql<{ currentBulkOperation: BulkOperation | null }>(ctx, CURRENT_BULK_OPERATION_QUERY, {}, 1);
  return data.currentBulkOperation;
}

/** By id where the version has `bulkOperation(id:)`; older versions only expose `currentBulkOperation`. */
async function getOperation(ctx: Ctx<ShopifyConfig>, id: string): Promise<BulkOperation | null> {
  const byId = bulkOperationQuery(ctx.config.apiVersion);
  if (byId) {
    const data = await gql<{ bulkOperation: BulkOperation | null }>(ctx, byId, { id }, 1);
    return data.bulkOperation;
  }
  const current = await currentOperation(ctx);
  return current && current.id === id ? current : null;
}

/** Polls (0.25 s growing to 10 s) until the operation ends. */
async function waitForOperation(ctx: Ctx<ShopifyConfig>, id: string): Promise<BulkOperation> {
  for (let delay = 250; ; delay = Math.min(10_000, delay * 2)) {
    const op = await getOperation(ctx, id);
    // Gone (or superseded as the shop's current operation): treat as expired; the caller starts anew.
    if (!op) return { id, status: 'EXPIRED', createdAt: new Date().toISOString(), errorCode: 'NOT_FOUND' };
    if (op.status !== 'CREATED' && op.status !== 'RUNNING' && op.status !== 'CANCELING') return op;
    await abortableSleep(delay, ctx.signal);
  }
}

const indexes = new Map<string, Promise<BulkIndex>>();

/** Downloads the result to a temporary file and indexes its lines (cached per operation in this process). */
function loadIndex(ctx: Ctx<ShopifyConfig>, op: BulkOperation): Promise<BulkIndex> {
  let p = indexes.get(op.id);
  if (!p) {
    p = download(ctx, op)
      .then((file) => BulkIndex.build(file))
      .catch((err) => {
        indexes.delete(op.id);
        throw err;
      });
    indexes.set(op.id, p);
  }
  return p;
}

async function download(ctx: Ctx<ShopifyConfig>, op: BulkOperation): Promise<string> {
  const dir = join(tmpdir(), 'commerce-sync-bulk');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(op.id).digest('hex').slice(0, 16)}-${process.pid}.jsonl`);
  const res = await fetch(op.url!, { signal: ctx.signal });
  if (!res.ok || !res.body) throw new SyncError('upstream_transient', `bulk result download answered ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(file), { signal: ctx.signal });
  return file;
}

const childPath = (gid: string): string[] => {
  const type = /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(gid)?.[1] ?? '';
  return CHILD_PATH[type] ?? [type];
};

export async function fetchBulkPage<N>(ctx: Ctx<ShopifyConfig>, cursor: Cursor | null, spec: { root: string; query: string }): Promise<PageResult<N, Cursor>> {
  const base: Cursor = cursor ?? { since: null, until: null, page: null, maxSeen: null, bulk: null };
  if (!base.bulk) {
    const op = await startBulk(ctx, spec.query);
    // Checkpoint the operation before waiting on it.
    return { items: [], next: { ...base, bulk: { id: op.id, createdAt: op.createdAt, parent: 0, restarts: 0 } }, done: false };
  }
  const op = await waitForOperation(ctx, base.bulk.id);
  if (op.status !== 'COMPLETED') {
    if (base.bulk.restarts >= MAX_RESTARTS) {
      throw new SyncError('upstream_transient', `bulk operation ${op.id} ended ${op.status} (${op.errorCode ?? 'no error code'}) ${MAX_RESTARTS + 1} times`);
    }
    ctx.log.warn({ bulkId: op.id, status: op.status, errorCode: op.errorCode }, 'bulk operation did not complete; starting a new one');
    const again = await startBulk(ctx, spec.query);
    return { items: [], next: { ...base, bulk: { id: again.id, createdAt: again.createdAt, parent: 0, restarts: base.bulk.restarts + 1 } }, done: false };
  }
  // The snapshot is as of the operation's start: the next incremental window begins there.
  const snapshot = new Date(Math.min(Date.parse(op.createdAt), ctx.runStartedAt.getTime())).toISOString();
  const finished: Cursor = { since: snapshot, until: null, page: null, maxSeen: null, bulk: null };
  if (!op.url) return { items: [], next: finished, done: true }; // no results at all
  const idx = await loadIndex(ctx, op);
  const from = base.bulk.parent;
  const to = Math.min(from + PARENTS_PER_PAGE, idx.parentCount);
  const items = await idx.readParents<N>(from, to, childPath);
  const done = to >= idx.parentCount;
  if (done) {
    indexes.delete(op.id);
    await rm(idx.file, { force: true });
  }
  return { items, next: done ? finished : { ...base, bulk: { ...base.bulk, parent: to } }, done, total: idx.parentCount };
}
