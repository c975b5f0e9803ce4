// Keyset pagination over a sorted view: the cursor carries the last (sort value, id), so a page is found
// by binary search and stays correct when records are inserted or move between requests — the same
// behaviour as Shopify's cursors, and the reason an UPDATED_AT-sorted walk sees an edited record again.
import type { CursorKey } from '../ids.js';
import { decodeCursor, encodeCursor } from '../ids.js';
import { compareKeys } from './store.js';

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Page<T> {
  items: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export class InvalidCursorError extends Error {}

type KeyOf<T> = (item: T) => CursorKey;

/** First physical index whose key is greater than (strict) or at least (non-strict) `key`. */
function bound<T>(sorted: readonly T[], keyOf: KeyOf<T>, key: CursorKey, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keyOf(sorted[mid] as T);
    const cmp = compareKeys(k.lastValue, k.lastId, key.lastValue, key.lastId);
    if (cmp < 0 || (strict && cmp === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parseCursor(cursor: string): CursorKey {
  const key = decodeCursor(cursor);
  if (!key) throw new InvalidCursorError('Invalid cursor for current pagination sort.');
  return key;
}

export function paginate<T>(
  sorted: readonly T[], keyOf: KeyOf<T>, args: PageArgs, matches: (item: T) => boolean = () => true,
): Page<T> {
  const n = sorted.length;
  const reverse = args.reverse === true;
  const at = (logical: number): T => sorted[reverse ? n - 1 - logical : logical] as T;
  let start = 0;
  let end = n;
  if (args.after) {
    const key = parseCursor(args.after);
    start = reverse ? n - bound(sorted, keyOf, key, false) : bound(sorted, keyOf, key, true);
  }
  if (args.before) {
    const key = parseCursor(args.before);
    end = reverse ? n - bound(sorted, keyOf, key, true) : bound(sorted, keyOf, key, false);
  }
  const found: T[] = [];
  let hasNextPage = false;
  let hasPreviousPage = false;
  const anyMatch = (from: number, to: number, step: 1 | -1): boolean => {
    for (let i = from; step > 0 ? i < to : i >= to; i += step) if (matches(at(i))) return true;
    return false;
  };
  if (args.first != null) {
    let i = start;
    for (; i < end && found.length < args.first; i += 1) if (matches(at(i))) found.push(at(i));
    hasNextPage = anyMatch(i, end, 1);
    hasPreviousPage = start > 0 && anyMatch(start - 1, 0, -1);
  } else if (args.last != null) {
    let i = end - 1;
    for (; i >= start && found.length < args.last; i -= 1) if (matches(at(i))) found.unshift(at(i));
    hasPreviousPage = anyMatch(i, start, -1);
    hasNextPage = end < n && anyMatch(end, n, 1);
  }
  return { items: found, cursors: found.map((item) => encodeCursor(keyOf(item))), hasNextPage, hasPreviousPage };
}
