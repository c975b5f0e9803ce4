// Full pulls through a bulk operation (platforms/shopify.md section 3). The operation's id goes into
// the checkpoint before anything else, so a crash resumes polling the same operation instead of
// starting a second one. The engine's page loop owns the polling: while the operation runs, each
// fetchBulkPage makes one status request and answers a page without items that asks the engine to
// wait (PageResult.wait), so the run's deadline, a cancel and the checkpoint cover the polling like any
// page. The cursor counts the polls: the engine's loop guard sees a new cursor at every poll and
// still catches a connector that repeats itself. The JSONL result is downloaded through the shared
// HTTP client into a temporary file (constant memory however large the shop) and indexed in one pass:
// parent lines in file order, and each parent's child lines (`__parentId`), wherever in the file they
// are — grouped output puts them after their parent, ungrouped output may put them before it. Pages
// are then read parent by parent from the file.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { isSyncError, SyncError } from '../../core/errors.js';
import type { IncrementalCursor } from '../../core/incremental.js';
import type { Ctx, PageResult } from '../types.js';
import type { ShopifyConfig } from './config-merged.js';
import { BulkIndex } from './bulk-index.js';
import { gql } from './graphql.js';

export const BulkState = z.object({
  /** The operation; null while another bulk query holds the shop's slot and ours waits to start. */
  id: z.string().nullable(),
  /** When the operation was created: the snapshot time the next incremental window starts from. */
  createdAt: z.string().nullable(),
  /** Ordinal of the next parent object to emit. */
  parent: z.number().int().min(0),
  restarts: z.number().int().min(0).default(0),
  /** Status requests made for this operation (or for the slot) so far: sets the wait, keeps every poll's cursor new. */
  polls: z.number().int().min(0).default(0),
});
export type BulkState = z.infer<typeof BulkState>;

type Cursor = IncrementalCursor & { bulk?: BulkState | null };

const PARENTS_PER_PAGE = 250;
const MAX_RESTARTS = 3;
/** The first status request follows the start by this much; each wait doubles, up to BULK_POLL_MAX_MS. */
export const BULK_POLL_FIRST_MS = 250;
export const BULK_POLL_MAX_MS = 10_000;

/** How long the engine waits after the `polls`-th status request before the next. */
export function bulkPollDelay(polls: number): number {
  return Math.min(BULK_POLL_MAX_MS, BULK_POLL_FIRST_MS * 2 ** Math.max(0, polls));
}

/** Child GID type -> where its connection sits on the parent line (InventoryLevel: under a variant's inventory item). */
const CHILD_PATH: Record<string, string[]> = {
  ProductVariant: ['variants'],
  LineItem: ['lineItems'],
  InventoryLevel: ['inventoryItem', 'inventoryLevels'],
};

type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';

interface BulkOperation {
  id: string;
  status: BulkStatus;
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

const running = (status: BulkStatus): boolean => status === 'CREATED' || status === 'RUNNING' || status === 'CANCELING';

/** One start request. Another bulk query holding the shop's slot is not an error: `busy` names it and the caller waits. */
async function tryStart(ctx: Ctx<ShopifyConfig>, query: string): Promise<{ op: BulkOperation } | { busy: string }> {
  const data = await gql<{ bulkOperationRunQuery: { bulkOperation: BulkOperation | null; userErrors: { message: string }[] } }>(
    ctx,
    BULK_RUN_QUERY_MUTATION,
    { q: query },
    10,
  );
  const r = data.bulkOperationRunQuery;
  if (r.bulkOperation) return { op: r.bulkOperation };
  const busy = r.userErrors.find((e) => /already in progress/i.test(e.message));
  if (!busy) throw new SyncError('upstream_rejected', `bulk operation refused: ${r.userErrors.map((e) => e.message).join('; ')}`);
  // The slot may be held by this very query (a run that crashed before its checkpoint): adopt it (lessons.md 10).
  const current = await currentOperation(ctx);
  if (current && current.query === query && running(current.status)) return { op: current };
  return { busy: current?.id ?? 'another bulk operation' };
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
  try {
    await ctx.http.download({
      path: op.url!,
      // A signed URL on Shopify's cloud storage: its signature is the authorisation (the access token is
      // not sent there), and a 403 means it expired.
      presigned: true,
      // The storage host serves the file outside the Admin API: the shop's cost bucket does not count it.
      rateLimited: false,
      // A retry starts the file over (createWriteStream truncates).
      into: (body, signal) => pipeline(body, createWriteStream(file), { signal }),
    });
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return file;
}

const childPath = (gid: string): string[] => {
  const type = /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(gid)?.[1] ?? '';
  return CHILD_PATH[type] ?? [type];
};

/** A page without items: the engine commits the cursor and waits before asking again. */
function waitPage<N>(base: Cursor, bulk: BulkState, reason: string): PageResult<N, Cursor> {
  return { items: [], next: { ...base, bulk }, done: false, wait: { ms: bulkPollDelay(bulk.polls), reason } };
}

/** Starts (or adopts) the operation, or waits for the shop's slot; `restarts` carries over from a failed one. */
async function begin<N>(ctx: Ctx<ShopifyConfig>, base: Cursor, query: string, prior: BulkState | null): Promise<PageResult<N, Cursor>> {
  const restarts = prior?.restarts ?? 0;
  const started = await tryStart(ctx, query);
  if ('busy' in started) {
    const polls = prior && prior.id === null ? prior.polls + 1 : 0;
    return waitPage(base, { id: null, createdAt: null, parent: 0, restarts, polls }, `waiting for ${started.busy}: a bulk query of the shop is in progress`);
  }
  // The operation's id is checkpointed before anything waits on it.
  const op = started.op;
  return waitPage(base, { id: op.id, createdAt: op.createdAt, parent: 0, restarts, polls: 0 }, `bulk operation ${op.id} is ${op.status}`);
}

async function restart<N>(ctx: Ctx<ShopifyConfig>, base: Cursor, query: string, bulk: BulkState, why: string): Promise<PageResult<N, Cursor>> {
  if (bulk.restarts >= MAX_RESTARTS) {
    throw new SyncError('upstream_transient', `bulk operation ${bulk.id} ${why}, after ${MAX_RESTARTS} restarts`);
  }
  ctx.log.warn({ bulkId: bulk.id, why }, 'bulk operation cannot be read; starting a new one');
  return begin(ctx, base, query, { ...bulk, id: null, restarts: bulk.restarts + 1, polls: 0 });
}

const urlExpired = (err: unknown): boolean => isSyncError(err) && (err.details as { urlExpired?: boolean } | undefined)?.urlExpired === true;

export async function fetchBulkPage<N>(ctx: Ctx<ShopifyConfig>, cursor: Cursor | null, spec: { root: string; query: string }): Promise<PageResult<N, Cursor>> {
  const base: Cursor = cursor ?? { since: null, until: null, page: null, maxSeen: null, bulk: null };
  const bulk = base.bulk;
  if (!bulk) return begin(ctx, base, spec.query, null);
  if (bulk.id === null) return begin(ctx, base, spec.query, bulk);
  // Gone (or superseded as the shop's current operation): treated as expired, a new one is started.
  const op = (await getOperation(ctx, bulk.id)) ?? { id: bulk.id, status: 'EXPIRED', createdAt: bulk.createdAt ?? '', errorCode: 'NOT_FOUND' };
  if (running(op.status)) return waitPage(base, { ...bulk, polls: bulk.polls + 1 }, `bulk operation ${op.id} is ${op.status} (poll ${bulk.polls + 1})`);
  if (op.status !== 'COMPLETED') return restart(ctx, base, spec.query, bulk, `ended ${op.status} (${op.errorCode ?? 'no error code'})`);
  // The snapshot is as of the operation's start: the next incremental window begins there.
  const snapshot = new Date(Math.min(Date.parse(op.createdAt), ctx.runStartedAt.getTime())).toISOString();
  const finished: Cursor = { since: snapshot, until: null, page: null, maxSeen: null, bulk: null };
  if (!op.url) return { items: [], next: finished, done: true }; // no results at all
  let idx: BulkIndex;
  try {
    idx = await loadIndex(ctx, op);
  } catch (err) {
    // Result URLs expire (7 days on Shopify): a new operation brings a new one.
    if (urlExpired(err)) return restart(ctx, base, spec.query, bulk, 'has a result URL that expired');
    throw err;
  }
  const from = bulk.parent;
  const to = Math.min(from + PARENTS_PER_PAGE, idx.parentCount);
  const items = await idx.readParents<N>(from, to, childPath);
  const done = to >= idx.parentCount;
  if (done) {
    indexes.delete(op.id);
    await rm(idx.file, { force: true });
  }
  return { items, next: done ? finished : { ...base, bulk: { ...bulk, parent: to } }, done, total: idx.parentCount };
}
