// The two-phase incremental cursor (DESIGN.md 5.1, lessons.md 2-3), shared by every connector that
// filters on an updated-at timestamp.
//
// Phase 1 pages inside a frozen window [since - overlap, until) where `until` is the run's start
// time, saving the platform's page cursor after each committed page. Phase 2, once the window is
// fully read, moves `since` to the newest updated-at seen (never past `until`) and clears the page
// cursor. The lower bound is inclusive and widened by an overlap, so rows sharing the boundary
// timestamp and rows a lagging search index returns late are fetched again; the engine's content
// hash makes those re-reads cost no write.
import { z } from 'zod';

export const IncrementalCursor = z.object({
  /** Inclusive lower bound of the next window (ISO), null = from the beginning. */
  since: z.string().nullable(),
  /** Exclusive upper bound of the window being read (ISO), null = no window open. */
  until: z.string().nullable(),
  /** The platform's page cursor inside the open window. */
  page: z.unknown().nullable(),
  /** Newest updated-at seen in the open window (ISO). */
  maxSeen: z.string().nullable(),
});
export type IncrementalCursor = z.infer<typeof IncrementalCursor>;

export interface WindowBounds {
  /** Inclusive; null = unbounded. */
  from: string | null;
  /** Exclusive. */
  to: string;
  page: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Opens a window (or continues the open one) for a run that started at `runStartedAt`. */
export function openWindow(cursor: IncrementalCursor | null, runStartedAt: Date, overlapMs = 0): { cursor: IncrementalCursor; bounds: WindowBounds } {
  const c: IncrementalCursor = cursor ?? { since: null, until: null, page: null, maxSeen: null };
  const opened: IncrementalCursor = c.until ? c : { ...c, until: runStartedAt.toISOString(), page: null, maxSeen: null };
  const from = opened.since ? iso(Date.parse(opened.since) - overlapMs) : null;
  return { cursor: opened, bounds: { from, to: opened.until!, page: opened.page } };
}

/** The cursor after a page inside the open window was read. */
export function afterPage(cursor: IncrementalCursor, nextPage: unknown, pageUpdatedAts: readonly string[]): IncrementalCursor {
  let maxSeen = cursor.maxSeen ? Date.parse(cursor.maxSeen) : -Infinity;
  for (const u of pageUpdatedAts) {
    const t = Date.parse(u);
    if (t > maxSeen) maxSeen = t;
  }
  return { ...cursor, page: nextPage, maxSeen: Number.isFinite(maxSeen) ? iso(maxSeen) : cursor.maxSeen };
}

/** Phase 2: the window is fully read; the next run starts at the newest row seen, capped at `until`. */
export function closeWindow(cursor: IncrementalCursor): IncrementalCursor {
  let since = cursor.since;
  if (cursor.maxSeen) {
    const capped = Math.min(Date.parse(cursor.maxSeen), cursor.until ? Date.parse(cursor.until) : Infinity);
    if (!since || capped > Date.parse(since)) since = iso(capped);
  }
  return { since, until: null, page: null, maxSeen: null };
}
