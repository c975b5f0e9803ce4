// Planner statistics for the tables a pull reads back page after page (the links lookup, the SKU
// match). Without statistics the planner costs those lookups with default selectivities and may scan
// every link of the tenant per page (through the tenant_id index) instead of probing the
// (connection, entity, external id) key, so a first pull slows down as it grows. PGlite never
// auto-analyzes; PostgreSQL's autovacuum does, but only after a table grew by a tenth and at most
// once per naptime, which a fast initial import outruns.
//
// So a pull analyzes those tables itself when the rows it has read reach 1k, 2k, 4k, ...: at most one
// ANALYZE per doubling, of a bounded sample, a small cost next to processing those rows, and a run
// that reads little (a typical incremental pull) never pays it. Rows read rather than rows written:
// a pass that writes nothing over tables that were never analyzed (e.g. a PGlite data dir filled by
// an older version) needs the statistics just as much.
import type { Entity } from '../core/records.js';
import type { Db } from '../store/db.js';

const FIRST_THRESHOLD = 1_000;

/**
 * What the pull of an entity looks up page after page: the links key always, the SKU match for
 * products, the lines of changed orders. Only these columns are analyzed, and with a small sample
 * (statistics target 10: 3,000 rows whatever the table size): the planner only needs to learn that
 * tenant_id and entity barely narrow a lookup while external_id and sku do, and a full ANALYZE of
 * every column (jsonb included) of a 50k-row products table costs half a second on PGlite.
 */
const TARGETS: Record<Entity, string> = {
  product: 'links (tenant_id, connection_id, entity, external_id), products (tenant_id, sku, deleted_at)',
  customer: 'links (tenant_id, connection_id, entity, external_id)',
  catalog_item: 'links (tenant_id, connection_id, entity, external_id)',
  stock_level: 'links (tenant_id, connection_id, entity, external_id)',
  fulfilment: 'links (tenant_id, connection_id, entity, external_id)',
  order: 'links (tenant_id, connection_id, entity, external_id), order_lines (tenant_id, order_id)',
};

export class PlannerStats {
  private next = FIRST_THRESHOLD;

  constructor(
    private readonly db: Db,
    private readonly entity: Entity,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** After a committed page: `processed` is the rows the run has read so far. */
  async afterPage(processed: number): Promise<void> {
    if (processed < this.next) return;
    while (this.next <= processed) this.next *= 2;
    try {
      // As the owner, outside the page transaction: ANALYZE needs ownership, which the tenant role
      // lacks. The lock timeout keeps a worker from waiting long behind another worker's ANALYZE of
      // the same table (PostgreSQL); statistics are an optimisation, so failing here only logs.
      await this.db.transaction((tx) => tx.exec(`SET LOCAL lock_timeout = '2s'; SET LOCAL default_statistics_target = 10; ANALYZE ${TARGETS[this.entity]}`));
    } catch (err) {
      this.onError(err);
    }
  }
}
