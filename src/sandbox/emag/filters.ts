// Reading eMAG's request parameters: paging, order filters and the one-month rule on date pairs.
// Parameter names are case-sensitive; unknown keys are ignored, as PHP-style APIs do.
import { addOneMonthLocal, parseLocal } from '../../core/local-time.js';
import type { Order } from './store.js';

export class InputError extends Error {}

export interface Paging {
  page: number;
  perPage: number;
}

function intParam(body: Record<string, unknown>, key: string, min: number, max: number, fallback: number): number {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new InputError(`${key} must be an integer between ${min} and ${max}.`);
  return n;
}

export function paging(body: Record<string, unknown>, maxPerPage: number, maxPage = 65_535): Paging {
  return { page: intParam(body, 'currentPage', 1, maxPage, 1), perPage: intParam(body, 'itemsPerPage', 1, maxPerPage, 100) };
}

/** An int or a list of ints, as `status` and `payment_mode_id` accept. */
function intSet(body: Record<string, unknown>, key: string): Set<number> | null {
  const raw = body[key];
  if (raw === undefined || raw === null) return null;
  const list = Array.isArray(raw) ? raw : [raw];
  const out = new Set<number>();
  for (const v of list) {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new InputError(`${key} must be an integer or a list of integers.`);
    out.add(n);
  }
  return out;
}

interface Range {
  after: number | null;
  before: number | null;
}

function dateRange(body: Record<string, unknown>, prefix: 'created' | 'modified', timeZone: string): Range {
  const afterKey = `${prefix}After`;
  const beforeKey = `${prefix}Before`;
  const parse = (key: string): number | null => {
    const raw = body[key];
    if (raw === undefined || raw === null || raw === '') return null;
    const ms = parseLocal(raw, timeZone);
    if (ms === null) throw new InputError(`${key} must be a date like "2024-11-13 09:30:00".`);
    return ms;
  };
  const after = parse(afterKey);
  const before = parse(beforeKey);
  if (before !== null && after === null) throw new InputError(`${beforeKey} requires ${afterKey}.`);
  if (after !== null && before !== null) {
    if (before < after) throw new InputError(`${beforeKey} must not be earlier than ${afterKey}.`);
    const limit = parseLocal(addOneMonthLocal(String(body[afterKey]).trim().replace('T', ' ')), timeZone)!;
    if (before > limit) throw new InputError(`The interval between ${afterKey} and ${beforeKey} must be at most one month.`);
  }
  return { after, before };
}

export interface OrderFilter {
  matches(o: Order): boolean;
}

export function orderFilter(body: Record<string, unknown>, opts: { timeZone: string; strictAfter: boolean }): OrderFilter {
  const ids = intSet(body, 'id');
  const statuses = intSet(body, 'status');
  const paymentModes = intSet(body, 'payment_mode_id');
  const complete = body.is_complete === undefined || body.is_complete === null ? null : Number(body.is_complete);
  // FBE orders are invisible unless type 2 is asked for: the documented default is 3.
  const types = intSet(body, 'type') ?? new Set([3]);
  const created = dateRange(body, 'created', opts.timeZone);
  const modified = dateRange(body, 'modified', opts.timeZone);
  // Timestamps have whole seconds: an instant is compared at the second it shows.
  const inRange = (ms: number, r: Range) => {
    const s = Math.floor(ms / 1000) * 1000;
    if (r.after !== null && (opts.strictAfter ? s <= r.after : s < r.after)) return false;
    return r.before === null || s <= r.before;
  };
  return {
    matches: (o) =>
      (ids === null || ids.has(o.id)) &&
      (statuses === null || statuses.has(o.status)) &&
      (paymentModes === null || (o.payment_mode_id !== null && paymentModes.has(o.payment_mode_id))) &&
      (complete === null || o.is_complete === complete) &&
      types.has(o.type) &&
      inRange(o.createdMs, created) &&
      inRange(o.modifiedMs, modified),
  };
}

/** Counts the scalar values of a request, which eMAG caps at 4000 ("max input vars"). */
export function inputVars(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + inputVars(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + inputVars(v), 0);
  return 1;
}
