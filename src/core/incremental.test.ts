import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterPage, closeWindow, openWindow } from './incremental.js';

describe('two-phase incremental cursor', () => {
  const start = new Date('2026-05-01T12:00:00.000Z');

  it('freezes the window at the run start and keeps it across resumed runs', () => {
    const { cursor, bounds } = openWindow(null, start);
    expect(bounds).toEqual({ from: null, to: start.toISOString(), page: null });
    const mid = afterPage(cursor, 'p2', ['2026-05-01T10:00:00.000Z']);
    // a later run (resume) continues the same window and page
    const resumed = openWindow(mid, new Date('2026-05-01T13:00:00.000Z'));
    expect(resumed.bounds).toEqual({ from: null, to: start.toISOString(), page: 'p2' });
  });

  it('moves since to the newest row seen, never past the run start, with an inclusive overlap', () => {
    let { cursor } = openWindow({ since: '2026-05-01T00:00:00.000Z', until: null, page: null, maxSeen: null }, start, 5_000);
    cursor = afterPage(cursor, 'x', ['2026-05-01T11:00:00.000Z', '2026-05-01T11:30:00.000Z']);
    const closed = closeWindow(cursor);
    expect(closed).toEqual({ since: '2026-05-01T11:30:00.000Z', until: null, page: null, maxSeen: null });
    const next = openWindow(closed, new Date('2026-05-01T14:00:00.000Z'), 5_000);
    expect(next.bounds.from).toBe('2026-05-01T11:29:55.000Z');
  });

  it('an empty window keeps since where it was', () => {
    const { cursor } = openWindow({ since: '2026-04-01T00:00:00.000Z', until: null, page: null, maxSeen: null }, start);
    expect(closeWindow(cursor).since).toBe('2026-04-01T00:00:00.000Z');
  });

  it('property: since never decreases and never passes the window end', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 5 }), { minLength: 1, maxLength: 6 }), (pages) => {
        const base = Date.parse('2026-01-01T00:00:00.000Z');
        let { cursor } = openWindow({ since: new Date(base).toISOString(), until: null, page: null, maxSeen: null }, new Date(base + 5_000));
        for (const p of pages) cursor = afterPage(cursor, null, p.map((o) => new Date(base + o).toISOString()));
        const closed = closeWindow(cursor);
        const since = Date.parse(closed.since!);
        const newest = Math.max(0, ...pages.flat());
        // never backwards, never past the window end, and exactly the newest row seen when it is inside
        expect(since).toBeGreaterThanOrEqual(base);
        expect(since).toBeLessThanOrEqual(base + 5_000);
        expect(since).toBe(base + Math.min(newest, 5_000));
      }),
    );
  });
});
