// The demo's account of its initial sync, saying what each number counts. A run's counters are
// generic: `processed` counts the items the platform returned (for a Shopify full sync of products,
// bulk lines: one per variant), and added/updated/unchanged count hub records of every entity the
// page wrote (for products: a hub product per variant plus a stock level per variant and location).
// So "2000 read, 6000 added" for 1,000 products is true but unreadable; the hub's audit trail
// (sync_log, one line per record a pull created or changed, with its run and entity) splits the
// writes by entity.
import type { RunView } from '../../engine/runs.js';
import type { Db } from '../../store/db.js';

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${fmt(n)} ${n === 1 ? one : many}`;

/** What one item read counts, per stream of a Shopify full sync (bulk operations). */
const READ_AS: Record<string, [string, string]> = {
  products: ['variant', 'variants'],
  orders: ['order', 'orders'],
  customers: ['customer', 'customers'],
};

/** A hub record of each entity, as the summary names it. */
const ENTITY_AS: Record<string, [string, string, string?]> = {
  product: ['hub product', 'hub products', 'one per variant'],
  stock_level: ['stock level', 'stock levels', 'one per variant and location'],
  order: ['order', 'orders', 'with their lines'],
  customer: ['customer', 'customers'],
  catalog_item: ['catalog item', 'catalog items'],
};
const ENTITY_ORDER = Object.keys(ENTITY_AS);

interface Written {
  created: number;
  updated: number;
}

/** Records each run created or changed, by entity (from the audit trail). */
async function writesByRun(db: Db, tenantId: string, runIds: string[]): Promise<Map<string, Map<string, Written>>> {
  const { rows } = await db.withTenant(tenantId, (tx) =>
    tx.query<{ run_id: string; entity: string; action: string; n: number }>(
      `SELECT run_id::text AS run_id, entity, action, count(*)::int AS n FROM sync_log
        WHERE tenant_id = $1 AND run_id = ANY($2::uuid[]) AND direction = 'pull'
        GROUP BY run_id, entity, action`,
      [tenantId, runIds],
    ),
  );
  const out = new Map<string, Map<string, Written>>();
  for (const r of rows) {
    const byEntity = out.get(r.run_id) ?? out.set(r.run_id, new Map()).get(r.run_id)!;
    const w = byEntity.get(r.entity) ?? byEntity.set(r.entity, { created: 0, updated: 0 }).get(r.entity)!;
    if (r.action === 'create') w.created += r.n;
    else w.updated += r.n;
  }
  return out;
}

/** Distinct products (variant groups) the connection's hub products belong to. */
async function productGroups(db: Db, tenantId: string, connectionId: string): Promise<number> {
  const { rows } = await db.withTenant(tenantId, (tx) =>
    tx.query<{ n: number }>(
      `SELECT count(DISTINCT parent_external_id)::int AS n FROM links
        WHERE tenant_id = $1 AND connection_id = $2 AND entity = 'product' AND deleted_at IS NULL`,
      [tenantId, connectionId],
    ),
  );
  return rows[0]?.n ?? 0;
}

/** One line for a run, e.g. "products: succeeded — 2,000 variants read (1,000 products); written: ...". */
export function describeRun(v: RunView, written: Map<string, Written> = new Map(), groups?: number): string {
  const [one, many] = READ_AS[v.stream] ?? ['item', 'items'];
  const read = `${plural(v.progress.processed, one, many)} read${v.stream === 'products' && groups ? ` (${plural(groups, 'product', 'products')})` : ''}`;
  const parts: string[] = [];
  for (const entity of [...ENTITY_ORDER, ...[...written.keys()].filter((e) => !ENTITY_ORDER.includes(e))]) {
    const w = written.get(entity);
    if (!w) continue;
    const [eOne, eMany, note] = ENTITY_AS[entity] ?? [entity, entity];
    const why = note ? ` (${note})` : '';
    if (w.created && w.updated) parts.push(`${plural(w.created + w.updated, eOne, eMany)}${why}: ${fmt(w.created)} added, ${fmt(w.updated)} updated`);
    else parts.push(`${plural(w.created || w.updated, eOne, eMany)} ${w.created ? 'added' : 'updated'}${why}`);
  }
  const c = v.counts;
  const rest = [
    c.unchanged ? `${plural(c.unchanged, 'record', 'records')} unchanged` : '',
    c.deleted ? `${plural(c.deleted, 'record', 'records')} deleted (gone from the shop)` : '',
    c.deadLetters ? `${plural(c.deadLetters, 'dead letter', 'dead letters')} (GET /api/v1/dead-letters)` : '',
  ].filter(Boolean);
  const writes = parts.length ? `written to the hub: ${parts.join(', ')}` : 'nothing new written to the hub';
  return `${v.stream}: ${v.status} — ${read}; ${writes}${rest.length ? `; ${rest.join(', ')}` : ''}${v.error ? ` (${v.error.code}: ${v.error.message})` : ''}`;
}

/** The summary lines of a connection's sync, one per run. */
export async function describeSync(db: Db, tenantId: string, connectionId: string, runs: RunView[]): Promise<string[]> {
  const writes = await writesByRun(db, tenantId, runs.map((r) => r.id));
  const groups = runs.some((r) => r.stream === 'products') ? await productGroups(db, tenantId, connectionId) : undefined;
  return runs.map((v) => describeRun(v, writes.get(v.id), groups));
}
