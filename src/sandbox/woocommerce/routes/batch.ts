// POST <collection>/batch (section 5): at most batchLimit objects across create+update+delete (else 413);
// creates, then updates, then deletes (always forced); each item answers its own object or an error entry
// inside an HTTP 200, so one bad item never fails the call.
import { WooError } from '../errors.js';

export interface BatchHandlers {
  create(item: unknown): Record<string, unknown>;
  update(id: number, item: unknown): Record<string, unknown>;
  remove(id: number): Record<string, unknown>;
}

function errorEntry(id: number, e: unknown): Record<string, unknown> {
  if (e instanceof WooError) return { id, error: { code: e.code, message: e.message, data: { status: e.status, ...e.data } } };
  return { id, error: { code: 'woocommerce_rest_batch_error', message: (e as Error).message, data: { status: 500 } } };
}

export function runBatch(body: unknown, limit: number, handlers: BatchHandlers): Record<string, unknown[]> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { create?: unknown; update?: unknown; delete?: unknown };
  const create = Array.isArray(b.create) ? b.create : [];
  const update = Array.isArray(b.update) ? b.update : [];
  const remove = Array.isArray(b.delete) ? b.delete : [];
  if (create.length + update.length + remove.length > limit) {
    throw new WooError(413, 'woocommerce_rest_request_entity_too_large', `Unable to accept more than ${limit} items for this request.`);
  }
  const out: Record<string, unknown[]> = {};
  if (create.length > 0) {
    out.create = create.map((item) => {
      try {
        return handlers.create(item);
      } catch (e) {
        return errorEntry(0, e);
      }
    });
  }
  if (update.length > 0) {
    out.update = update.map((item) => {
      const id = Number((item as { id?: unknown } | null)?.id ?? 0);
      try {
        return handlers.update(id, item);
      } catch (e) {
        return errorEntry(id, e);
      }
    });
  }
  if (remove.length > 0) {
    // Ids that cast to 0 are skipped, not answered.
    out.delete = remove.map((raw) => Math.trunc(Number(typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : raw)) || 0).filter((id) => id > 0).map((id) => {
      try {
        return handlers.remove(id);
      } catch (e) {
        return errorEntry(id, e);
      }
    });
  }
  return out;
}
