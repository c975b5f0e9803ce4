// Bulk operation lifecycle (platforms/shopify.md section 3): CREATED -> RUNNING -> COMPLETED | FAILED |
// CANCELING -> CANCELED, later EXPIRED. The run writes a JSONL file under the sandbox's bulk folder; its
// duration is at least a simulated one proportional to the object count (time-scaled), so clients really
// have to poll. Per-version concurrency limit, string counters, `url: null` for empty results, and the
// bulk_operations/finish webhook when an operation ends.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxClock } from '../../common/clock.js';
import type { Faults, FaultConfig } from '../faults.js';
import { gid } from '../ids.js';
import type { ShopifyStore } from '../store/store.js';
import type { ExportControl, ExportResult } from './export.js';

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';

export interface BulkOperationRecord {
  id: number;
  status: BulkStatus;
  errorCode: 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT' | null;
  createdAt: number;
  completedAt: number | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
  type: 'QUERY' | 'MUTATION';
  grouped: boolean;
}

export type BulkRunner = (control: ExportControl) => Promise<ExportResult>;

/** Platform milliseconds: a short queue before RUNNING, then a base plus a per-object cost. */
const QUEUE_MS = 1_000;
const BASE_RUN_MS = 2_000;
const PER_OBJECT_MS = 0.5;
/** Result URLs expire after 7 days. */
const EXPIRY_MS = 7 * 86_400_000;

export interface StartResult {
  operation?: BulkOperationRecord;
  userErrors: { field: string[] | null; message: string; code: string | null }[];
}

export class BulkOperations {
  private readonly operations = new Map<number, BulkOperationRecord>();
  private readonly cancelRequested = new Set<number>();
  /** Operations held in RUNNING by the STALL fault: only a cancel ends them. */
  private readonly stalled = new Set<number>();
  private dir: string | undefined;
  private ownsDir = false;

  constructor(private readonly deps: {
    store: ShopifyStore; clock: SandboxClock; faults: Faults; baseUrl: () => string; dir?: string;
  }) {
    this.dir = deps.dir;
  }

  private async folder(): Promise<string> {
    if (!this.dir) {
      this.dir = await mkdtemp(join(tmpdir(), 'shopify-sandbox-bulk-'));
      this.ownsDir = true;
    }
    return this.dir;
  }

  filePath(id: number, partial = false): string | undefined {
    return this.dir ? join(this.dir, `${id}${partial ? '.partial' : ''}.jsonl`) : undefined;
  }

  get(id: number): BulkOperationRecord | undefined {
    return this.operations.get(id);
  }

  list(): BulkOperationRecord[] {
    return [...this.operations.values()].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  }

  current(type: string): BulkOperationRecord | null {
    let latest: BulkOperationRecord | null = null;
    for (const op of this.operations.values()) if (op.type === type && (!latest || op.id > latest.id)) latest = op;
    return latest;
  }

  private active(type: 'QUERY' | 'MUTATION'): BulkOperationRecord[] {
    return [...this.operations.values()].filter((op) => op.type === type && ['CREATED', 'RUNNING', 'CANCELING'].includes(op.status));
  }

  start(query: string, grouped: boolean, concurrency: number, runner: BulkRunner): StartResult {
    const active = this.active('QUERY');
    const blocking = active[active.length - 1];
    if (blocking && active.length >= concurrency) {
      return { userErrors: [{
        field: null, code: 'OPERATION_IN_PROGRESS',
        message: `A bulk query operation for this app and shop is already in progress: ${gid('BulkOperation', blocking.id)}.`,
      }] };
    }
    const op: BulkOperationRecord = {
      id: this.deps.store.nextId('bulkOperation'), status: 'CREATED', errorCode: null, createdAt: this.deps.store.stamp(),
      completedAt: null, objectCount: 0, rootObjectCount: 0, fileSize: null, url: null, partialDataUrl: null, query,
      type: 'QUERY', grouped,
    };
    this.operations.set(op.id, op);
    const faults = { ...this.deps.faults.current };
    this.deps.clock.after(QUEUE_MS, () => void this.run(op, runner, faults));
    return { operation: op, userErrors: [] };
  }

  cancel(id: number): { operation?: BulkOperationRecord; userErrors: { field: string[]; message: string }[] } {
    const op = this.operations.get(id);
    if (!op) return { userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
    if (op.status !== 'CREATED' && op.status !== 'RUNNING') {
      return { operation: op, userErrors: [{ field: ['id'], message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }] };
    }
    op.status = 'CANCELING';
    this.cancelRequested.add(id);
    if (this.stalled.delete(id)) this.deps.clock.after(QUEUE_MS, () => this.finish(op, 'CANCELED'));
    return { operation: op, userErrors: [] };
  }

  private finish(op: BulkOperationRecord, status: 'COMPLETED' | 'FAILED' | 'CANCELED'): void {
    op.status = status;
    op.completedAt = this.deps.store.stamp();
    this.cancelRequested.delete(op.id);
    this.deps.store.emit('bulk_operations/finish', op.id);
    if (status !== 'CANCELED') {
      this.deps.clock.after(EXPIRY_MS, () => {
        op.status = 'EXPIRED';
        op.url = null;
        op.partialDataUrl = null;
        for (const partial of [false, true]) {
          const path = this.filePath(op.id, partial);
          if (path) void unlink(path).catch(() => undefined);
        }
      });
    }
  }

  private async run(op: BulkOperationRecord, runner: BulkRunner, faults: FaultConfig): Promise<void> {
    if (this.cancelRequested.has(op.id)) return this.finish(op, 'CANCELED');
    op.status = 'RUNNING';
    const started = this.deps.clock.now();
    const path = join(await this.folder(), `${op.id}.jsonl`);
    const stream = createWriteStream(path);
    let bytes = 0;
    let failed: BulkOperationRecord['errorCode'] = null;
    const control: ExportControl = {
      write: async (line) => {
        bytes += Buffer.byteLength(line) + 1;
        if (!stream.write(`${line}\n`)) await once(stream, 'drain');
      },
      afterChunk: (objects, roots) => {
        op.objectCount = objects;
        op.rootObjectCount = roots;
        // An injected failure strikes after the first chunk, so the partial file holds real data.
        return this.cancelRequested.has(op.id) || (faults.bulkFailure !== null && objects > 0);
      },
    };
    try {
      const result = await runner(control);
      op.objectCount = result.objects;
      op.rootObjectCount = result.roots;
      if (faults.bulkFailure === 'STALL') {
        this.stalled.add(op.id);
        return;
      }
      if (faults.bulkFailure) failed = faults.bulkFailure;
    } catch {
      failed = 'INTERNAL_SERVER_ERROR';
    } finally {
      stream.end();
      await once(stream, 'close').catch(() => undefined);
    }
    op.fileSize = bytes;
    if (this.cancelRequested.has(op.id)) {
      await unlink(path).catch(() => undefined);
      return this.finish(op, 'CANCELED');
    }
    if (failed) {
      const partial = this.filePath(op.id, true);
      if (partial && op.objectCount > 0) {
        await rename(path, partial);
        op.partialDataUrl = `${this.deps.baseUrl()}/_sandbox/bulk/${op.id}.partial.jsonl`;
      }
      op.errorCode = failed;
      return this.finish(op, 'FAILED');
    }
    const minimum = this.deps.clock.scaled(BASE_RUN_MS + op.objectCount * PER_OBJECT_MS);
    const remaining = started + minimum - this.deps.clock.now();
    const complete = () => {
      if (this.cancelRequested.has(op.id)) {
        void unlink(path).catch(() => undefined);
        return this.finish(op, 'CANCELED');
      }
      if (op.objectCount > 0) op.url = `${this.deps.baseUrl()}/_sandbox/bulk/${op.id}.jsonl`;
      else void unlink(path).catch(() => undefined);
      this.finish(op, 'COMPLETED');
    };
    if (remaining > 0) this.deps.clock.afterReal(remaining, complete);
    else complete();
  }

  async close(): Promise<void> {
    if (this.dir && this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}

