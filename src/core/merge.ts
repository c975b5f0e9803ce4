// The one merge of the bi-directional product sync (DESIGN.md 5.6). Pure: every incoming change (a pull,
// a webhook, a hub edit) goes through `merge`, field by field, never as a whole-row overwrite, so the
// connection pulled last does not win every field.
//
// Every field value in the hub is the value of one edit, and field_meta[field] = {origin, at} names it.
// Edits are totally ordered by their stamp: (at as an instant, then 'hub' before the platforms, then
// origin name, then the canonical value), so that equal clocks still give one answer whatever the
// delivery order. For each field of the incoming change, in PRODUCT_FIELDS order:
//
//  1. refused   - the origin may not write the field (not an owner of an owned field, not a writer of a
//                 shared field; see core/ownership.ts) and a writer set the value the hub holds. Not
//                 applied: the next push re-asserts the hub value on that platform. Never a conflict.
//                 Until a writer has set a field, the values of origins that may not write it fill it
//                 (the last of them wins): a SKU-less Shopify variant given a SKU in the shop, an
//                 eMAG-only catalog's prices. Such a value yields to the first writer's edit, whatever
//                 the clocks, and is never part of a conflict.
//  2. unchanged - the value equals the hub's after normalisation (normalizeValue: money "19.9" ==
//                 "19.90", trimmed strings, tags/collections as sets, objects with sorted keys). The data
//                 is not touched and there is nothing to push. If the edit is newer than the field's meta,
//                 the meta does move to it: the meta is the clock later deliveries are judged against, and
//                 keeping the older stamp would let an edit made between the two, delivered later, win in
//                 one delivery order and lose in another.
//  3. stale     - the edit is older than the field's current edit (its stamp is lower). Not applied, so
//                 an out-of-order or repeated delivery converges on the same state.
//  4. applied   - otherwise: the value and field_meta {origin, at} are set.
//
// Conflicts: when a stale or applied edit (values differ, by then) comes from another origin than the
// field's current edit and |incoming.at - meta.at| <= windowMs, a FieldConflict is reported: winner
// 'remote' when the incoming edit was applied, 'local' when it was stale. This holds for shared fields
// and for owned fields with several owners (hub and Shopify both own price: the later edit wins and
// the merchant is told). A late delivery of the older edit is exactly the common case (a hub edit made
// while the platform's webhook is in flight), so it is reported although nothing is applied.
// The merge keeps no history beyond field_meta, so it cannot tell a redelivery of a losing edit from
// its first late delivery: a redelivered losing edit reports the same collision again. Callers drop
// redeliveries before merging (webhook dedup, the link's remote_updated_at, DESIGN 5.5) and may key
// conflict rows with conflictKey(), which names the collision independently of delivery order.
//
// `null` is a value ("the platform says empty"); an absent key, or `undefined`, means "not sent". Keys
// that are not product fields (group, catalogVariantId, ...) belong to links and are ignored here.
// Instants are compared at millisecond precision; field_meta.at is written as a UTC ISO string. A
// field with a value but no (or an unreadable) meta is older than any edit. The input is not mutated.
import { kilograms, metres, TO_KG, TO_M } from './units.js';
import { stableStringify } from './hash.js';
import { canWrite, isProductField, type Origin, type Ownership, PRODUCT_FIELDS } from './ownership.js';
import type { ProductField } from './records.js';

export interface FieldMeta {
  origin: string;
  /** ISO instant. */
  at: string;
}

export interface HubProductState {
  data: Partial<Record<ProductField, unknown>>;
  fieldMeta: Partial<Record<ProductField, FieldMeta>>;
}

export interface IncomingChange {
  origin: Origin;
  fields: Partial<Record<ProductField, unknown>>;
  /** When the change happened at its origin (remoteUpdatedAt, or the receipt time). */
  at: string;
}

export interface ConflictSide {
  value: unknown;
  origin: string;
  at: string;
}

export interface FieldConflict {
  field: ProductField;
  /** The hub's current edit of the field. */
  local: ConflictSide;
  /** The incoming edit. */
  remote: ConflictSide;
  winner: 'local' | 'remote';
}

export interface MergeResult {
  state: HubProductState;
  applied: ProductField[];
  refused: ProductField[];
  unchanged: ProductField[];
  stale: ProductField[];
  conflicts: FieldConflict[];
}

export interface MergeOptions {
  /** The conflict window (DESIGN 5.6 default: 5 minutes). Inclusive. */
  windowMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation (reused for echo-suppression hashing: keep it deterministic and total over JSON values).

const MONEY_FIELDS: ReadonlySet<ProductField> = new Set(['price', 'compareAtPrice']);
const SET_FIELDS: ReadonlySet<ProductField> = new Set(['tags', 'collections']);
const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?$/;

/**
 * Canonical decimal text with exact string arithmetic (no float): "019.90" -> "19.9", "20.00" -> "20",
 * ".5" -> "0.5", "-0.0" -> "0". Anything that is not a decimal is returned trimmed, unchanged.
 */
export function normalizeMoney(value: string | number): string {
  // String(number) is exact for the decimals JSON carries (JTL sends numbers); "1e+21" is left as text.
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return text;
  const int = (m[2] ?? '').replace(/^0+/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const body = frac === '' ? int : `${int}.${frac}`;
  return m[1] === '-' && body !== '0' ? `-${body}` : body;
}

/** Deep canonical form: strings trimmed (and NFC), objects with sorted keys and no undefined members, -0 = 0. */
function canonical(value: unknown): unknown {
  if (typeof value === 'string') return value.trim().normalize('NFC');
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The value as the hub compares it. Money: canonical decimal string. Tags/collections: trimmed, without
 * duplicates, sorted (they are sets on every platform). Images keep their order (it is the gallery
 * order). `null` and `undefined` stay as they are.
 */
export function normalizeValue(field: ProductField, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (MONEY_FIELDS.has(field) && (typeof value === 'string' || typeof value === 'number')) return normalizeMoney(value);
  if (field === 'weight' || field === 'dimensions') return normalizeMeasure(value);
  if (SET_FIELDS.has(field) && Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.every((i): i is string => typeof i === 'string')) return [...new Set(items)].sort(byCodeUnit);
    return items;
  }
  return canonical(value);
}

// Measures compare in one unit (core/units.ts): a platform that keeps weights in kg (JTL-FFN) reads back
// 1250 g as 1.25 kg, the same weight.
function normalizeMeasure(value: unknown): unknown {
  if (!value || typeof value !== 'object') return canonical(value);
  const v = value as Record<string, unknown>;
  if (typeof v.value === 'number' && typeof v.unit === 'string' && TO_KG[v.unit] !== undefined) return { unit: 'kg', value: kilograms(v.value, v.unit) };
  if (typeof v.unit === 'string' && TO_M[v.unit] !== undefined && [v.length, v.width, v.height].every((n) => typeof n === 'number')) {
    const m = (n: unknown) => metres(n as number, v.unit as string);
    return { height: m(v.height), length: m(v.length), unit: 'm', width: m(v.width) };
  }
  return canonical(value);
}

/** Stable text of the normalised value: equal texts <=> sameValue. Throws TypeError on non-JSON values. */
export function valueKey(field: ProductField, value: unknown): string {
  return value === undefined ? 'undefined' : stableStringify(normalizeValue(field, value));
}

export function sameValue(field: ProductField, a: unknown, b: unknown): boolean {
  return valueKey(field, a) === valueKey(field, b);
}

// ---------------------------------------------------------------------------------------------------------
// Stamps: the total order of edits.

interface Stamp {
  ms: number;
  origin: string;
  value: string;
}

/** Higher wins a tie on the clock: the merchant's own edit in the hub, then origins by name. */
function compareStamps(a: Stamp, b: Stamp): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.origin !== b.origin) {
    if (a.origin === 'hub') return 1;
    if (b.origin === 'hub') return -1;
    return byCodeUnit(a.origin, b.origin);
  }
  return byCodeUnit(a.value, b.value);
}

function instant(at: string | undefined): number {
  const ms = typeof at === 'string' ? Date.parse(at) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
}

/**
 * A name for a collision that does not depend on which of its two edits was delivered first: use it to
 * record a conflict once (the merge reports a redelivered losing edit again).
 */
export function conflictKey(c: FieldConflict): string {
  const iso = (at: string) => (Number.isFinite(instant(at)) ? new Date(instant(at)).toISOString() : at);
  const side = (s: ConflictSide) => stableStringify([s.origin, iso(s.at), normalizeValue(c.field, s.value) ?? null]);
  return stableStringify([c.field, ...[side(c.local), side(c.remote)].sort(byCodeUnit)]);
}

// ---------------------------------------------------------------------------------------------------------

export function merge(hub: HubProductState | null, incoming: IncomingChange, ownership: Ownership, opts: MergeOptions): MergeResult {
  const incomingMs = Date.parse(incoming.at);
  if (Number.isNaN(incomingMs)) throw new RangeError(`merge: incoming.at is not an ISO instant: ${JSON.stringify(incoming.at)}`);
  if (!(opts.windowMs >= 0)) throw new RangeError(`merge: windowMs must be >= 0, got ${opts.windowMs}`);
  const at = new Date(incomingMs).toISOString();
  // A deep copy: the returned state shares nothing with the inputs, so neither can change the other.
  const state: HubProductState = structuredClone({ data: hub?.data ?? {}, fieldMeta: hub?.fieldMeta ?? {} });
  const result: MergeResult = { state, applied: [], refused: [], unchanged: [], stale: [], conflicts: [] };

  for (const field of PRODUCT_FIELDS) {
    if (!Object.hasOwn(incoming.fields, field)) continue;
    const value = incoming.fields[field];
    if (value === undefined) continue;
    const has = Object.hasOwn(state.data, field);
    const current = state.data[field];
    const meta = state.fieldMeta[field];
    // Whether a writer of the field set the value the hub holds (a value without meta: no).
    const ownerValue = meta !== undefined && canWrite(ownership, field, meta.origin);
    const writer = canWrite(ownership, field, incoming.origin);
    if (!writer && ownerValue) {
      result.refused.push(field);
      continue;
    }
    const mine: Stamp = { ms: incomingMs, origin: incoming.origin, value: valueKey(field, value) };
    // A writer's edit replaces a value no writer set, whatever the clocks; among values of non-writers
    // (filling a field no writer has set yet) and among writers' edits, the later edit wins.
    const theirs: Stamp | null =
      (has || meta) && (ownerValue || !writer) ? { ms: instant(meta?.at), origin: meta?.origin ?? '', value: has ? valueKey(field, current) : 'undefined' } : null;
    const newer = theirs === null || compareStamps(mine, theirs) > 0;

    if (has && mine.value === valueKey(field, current)) {
      if (newer) state.fieldMeta[field] = { origin: incoming.origin, at };
      result.unchanged.push(field);
      continue;
    }
    if (newer) {
      state.data[field] = structuredClone(value);
      state.fieldMeta[field] = { origin: incoming.origin, at };
      result.applied.push(field);
    } else {
      result.stale.push(field);
    }
    // Collisions are between writers only: a value filled in by a non-writer yields without a conflict.
    if (writer && ownerValue && meta && theirs && theirs.origin !== incoming.origin && Math.abs(incomingMs - theirs.ms) <= opts.windowMs) {
      result.conflicts.push({
        field,
        local: { value: structuredClone(current), origin: meta.origin, at: meta.at },
        remote: { value: structuredClone(value), origin: incoming.origin, at },
        winner: newer ? 'remote' : 'local',
      });
    }
  }
  return result;
}

/** A hub row's data and field_meta as the merge reads them: product fields only (group and other data aside). */
export function hubState(data: Record<string, unknown> | null | undefined, meta: Record<string, FieldMeta> | null | undefined): HubProductState {
  const state: HubProductState = { data: {}, fieldMeta: {} };
  for (const [k, v] of Object.entries(data ?? {})) if (isProductField(k)) state.data[k] = v;
  for (const [k, m] of Object.entries(meta ?? {})) if (isProductField(k) && m && typeof m.origin === 'string') state.fieldMeta[k] = m;
  return state;
}
