// Content hashes decide whether a row changed (only changed rows are written), recognise our own echoes
// (the hash of what we pushed is stored on the link) and detect repeated pages. They must therefore not
// depend on object key order, which differs between a platform payload, a DB row and a freshly built record.
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

// Sorted keys; `undefined` properties omitted and `undefined` array slots written as null (as JSON does);
// Dates via toJSON. Strict mode throws on values JSON cannot represent (functions, NaN, Infinity, symbols)
// and circular references, because two different such values would otherwise hash alike.
const stringify = configure({ deterministic: true, strict: true, bigint: true, circularValue: TypeError });

/** Deterministic JSON text of `value`, independent of object key order. Top-level `undefined` gives "null". */
export function stableStringify(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** SHA-256 hex of the stable JSON text of `value`. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value), 'utf8').digest('hex');
}
