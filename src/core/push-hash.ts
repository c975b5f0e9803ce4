// The hash of what a push sent, per SKU (DESIGN.md 5.6, echo suppression). The outbox stores it on the
// link (links.last_pushed_hash) after a successful push; the incoming side hashes a record read back
// from the platform with the same function over the same fields, and an equal hash means the record is
// our own echo. Both sides must therefore agree on two things, and only this module decides them:
//   - which fields: exactly those the platform's push writes and its mapping reads back
//     (PushOps.productFields of the connector; `pushedFields` picks them from a record);
//   - how values compare: through `normalizeValue` of the one merge (money "19.9" == "19.90", tags as
//     sets, trimmed strings), so a platform that stores "10.50" for a pushed "10.5" is still an echo.
// `null` and absent are the same here ("empty"): a push leaves a field it has no value for untouched,
// and the mappings say "empty" as either.
import { contentHash } from './hash.js';
import { normalizeValue } from './merge.js';
import type { ProductField } from './records.js';

/** The fields of `record` a push to the platform covers, every one present (null when the record has none). */
export function pushedFields(fields: readonly ProductField[], record: Partial<Record<ProductField, unknown>>): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, record[f] ?? null]));
}

/** sha256 of the normalised fields; keys whose value is null or undefined are left out. */
export function pushHashOf(fields: Record<string, unknown>): string {
  const normalised: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const v = normalizeValue(field as ProductField, value);
    if (v !== null && v !== undefined) normalised[field] = v;
  }
  return contentHash(normalised);
}

/**
 * A short hash per field of its normalised value (null and absent alike): what links.last_pulled_fields
 * keeps of a record read, so the next read of the link tells which fields the platform changed since.
 */
export function fieldHashes(fields: Partial<Record<ProductField, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) out[field] = contentHash(normalizeValue(field as ProductField, value) ?? null).slice(0, 16);
  return out;
}
