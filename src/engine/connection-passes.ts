// Background passes over one connection's stored backlog: webhook deliveries to apply, platform writes
// of committed pages to perform (eMAG acknowledge). Each kind is a pg-boss queue with one queued job per
// connection (singletonKey; the `short` policy lets one more be queued while one runs), so a burst of
// deliveries or pages is one job. The job's handler runs the pass coalesced per connection in its
// process: one pass, plus one more if more work arrived meanwhile. The passes claim their rows with
// SKIP LOCKED, so jobs of one connection on two workers never do a row twice.
//
// Without a started queue (an engine used as a library, tests that drive it by hand) the pass runs in
// this process at once. What a dead process left behind is found by `stale` and dispatched again by
// the engine's re-dispatch pass.
import type PgBoss from 'pg-boss';
import { SyncError } from '../core/errors.js';
import type { Db } from '../store/db.js';
import { ensureQueue } from './queue.js';

export interface ConnectionJob {
  tenantId: string;
  connectionId: string;
}

export interface ConnectionPassSpec {
  /** The pg-boss queue. */
  queue: string;
  /** What the pass does (logs). */
  what: string;
  /** Works the connection's backlog until none is left that is due; `signal` aborts at shutdown. */
  pass(job: ConnectionJob, signal: AbortSignal): Promise<unknown>;
  /** Rows of the connection still to do (idle waits for 0). */
  backlog(db: Db, connectionId: string): Promise<number>;
  /** Connections whose backlog has waited long enough to look abandoned (its process died). */
  stale(db: Db): Promise<{ tenant_id: string; connection_id: string }[]>;
}

/** Connection passes (of one kind) this process runs at once. */
const PASS_WORKERS = 2;

export class ConnectionPasses {
  private readonly work = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private stopper = new AbortController();
  private queue: PgBoss | null = null;
  private workerIds: string[] = [];

  constructor(
    private readonly spec: ConnectionPassSpec,
    private readonly db: Db,
    private readonly logger: { error(o: object, m?: string): void; warn(o: object, m?: string): void },
  ) {}

  /** Sends jobs from now on (and creates the queue). */
  async attach(queue: PgBoss): Promise<void> {
    this.queue = queue;
    await ensureQueue(queue, this.spec.queue, { policy: 'short' });
  }

  /** Takes this kind's jobs in this process. */
  async startWorking(queue: PgBoss): Promise<void> {
    this.stopper = new AbortController();
    // Two workers: a pass lingers a moment after catching up (webhooks.ts settle), and one connection's
    // pass must not hold up the deliveries of every other connection meanwhile.
    for (let i = 0; i < PASS_WORKERS; i++) {
      this.workerIds.push(
        await queue.work<ConnectionJob>(this.spec.queue, { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
          if (job && !this.stopper.signal.aborted) await this.run(job.data);
        }),
      );
    }
  }

  /** The backlog of the connection needs a pass: a job when a queue is attached, else a pass here. */
  async dispatch(job: ConnectionJob): Promise<void> {
    if (!this.queue) {
      void this.run(job);
      return;
    }
    if (this.workerIds.length > 0 && this.work.has(job.connectionId)) {
      // A pass of this connection is under way here: it makes one more round for what just arrived,
      // which spares a job per delivery on the accepting path during a flood.
      this.dirty.add(job.connectionId);
      return;
    }
    try {
      await this.queue.send(this.spec.queue, job, { singletonKey: job.connectionId, retryLimit: 5, retryDelay: 1, retryBackoff: true });
      for (const id of this.workerIds) this.queue.notifyWorker(id);
    } catch (err) {
      // The backlog is stored: the re-dispatch pass finds it (`stale`) and sends the job again.
      this.logger.warn({ err, ...job }, `could not queue ${this.spec.what}; it will be re-dispatched`);
    }
  }

  /** Re-dispatches backlogs a dead process left behind. */
  async redispatchStale(): Promise<void> {
    for (const s of await this.spec.stale(this.db)) {
      if (this.stopper.signal.aborted) return;
      await this.dispatch({ tenantId: s.tenant_id, connectionId: s.connection_id });
    }
  }

  /** Runs the pass in this process, coalesced per connection. */
  run(job: ConnectionJob): Promise<void> {
    const { connectionId } = job;
    const running = this.work.get(connectionId);
    if (running) {
      this.dirty.add(connectionId);
      return running;
    }
    const signal = this.stopper.signal;
    const work = (async () => {
      do {
        this.dirty.delete(connectionId);
        await this.spec.pass(job, signal);
      } while (this.dirty.has(connectionId) && !signal.aborted);
    })()
      .catch((err) => this.logger.error({ err, connectionId }, `${this.spec.what} failed; the backlog stays stored for the next pass`))
      .finally(() => this.work.delete(connectionId));
    this.work.set(connectionId, work);
    return work;
  }

  /**
   * Resolves when the connection's backlog is empty and no pass is under way in this process (tests, a
   * CLI command before it exits); gives up after `timeoutMs`.
   */
  async idle(connectionId: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      while (this.work.has(connectionId)) await this.work.get(connectionId);
      if ((await this.spec.backlog(this.db, connectionId)) === 0 && !this.work.has(connectionId)) return;
      if (Date.now() >= until) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops taking jobs and aborts the passes under way; their rows stay stored for a later pass. */
  async stop(): Promise<void> {
    this.stopper.abort(new SyncError('cancelled', 'worker shutting down'));
    if (this.queue) await this.queue.offWork(this.spec.queue).catch(() => undefined);
    this.workerIds = [];
  }
}
