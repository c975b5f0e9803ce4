import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Faults, type SourceRecord, type TestSource, startTestSource } from './test-source.js';

const AUTH = { authorization: 'Bearer test-token' };
const BASE = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString();

interface Page {
  items: SourceRecord[];
  next_cursor: string | null;
  total: number;
}

let sources: TestSource[] = [];
afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  sources = [];
});

async function start(...args: Parameters<typeof startTestSource>): Promise<TestSource> {
  const s = await startTestSource(...args);
  sources.push(s);
  return s;
}

async function page(s: TestSource, params: Record<string, string> = {}): Promise<Page> {
  const res = await fetch(`${s.url}/records?${new URLSearchParams(params).toString()}`, { headers: AUTH });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

/** Waits for a condition of the source, turn by turn (fake timers cannot stall it), for at most 10 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function pageAll(s: TestSource, params: Record<string, string>, between?: (n: number) => void): Promise<SourceRecord[]> {
  const seen: SourceRecord[] = [];
  let cursor = '';
  for (let n = 0; n < 10_000; n++) {
    const p = await page(s, cursor ? { ...params, cursor } : params);
    seen.push(...p.items);
    if (p.next_cursor === null) return seen;
    cursor = p.next_cursor;
    between?.(n);
  }
  throw new Error('pagination did not end');
}

describe('test source: pagination', () => {
  it('pages through 1000 records, each exactly once and in (updatedAt, id) order', async () => {
    const s = await start({ count: 1000, seed: 7 });
    const first = await page(s, { limit: '100' });
    expect(first.total).toBe(1000);
    expect(first.items[0]).toEqual(s.get('r0000001'));
    expect(first.items[0]).toMatchObject({ id: 'r0000001', sku: 'SKU-r0000001', version: 1, updatedAt: iso(BASE + 1) });
    expect(first.items[0]?.price).toMatch(/^\d+\.\d{2}$/);

    const seen = await pageAll(s, { limit: '100' });
    expect(seen.map((r) => r.id)).toEqual(s.records().map((r) => r.id));
    expect(seen).toEqual(s.records());
    expect(s.stats().listRequests).toBe(11);
    expect(s.stats().byCursor.get('')).toBe(2);
    expect(s.stats().maxConcurrent).toBe(1);
  });

  it('is deterministic from the seed', async () => {
    const a = await start({ count: 50, seed: 3 });
    const b = await start({ count: 50, seed: 3 });
    const c = await start({ count: 50, seed: 4 });
    expect(a.records()).toEqual(b.records());
    expect(a.records()).not.toEqual(c.records());
  });

  it('filters by window: updated_min inclusive, updated_max exclusive', async () => {
    const s = await start({ count: 1000 });
    const p = await page(s, { updated_min: iso(BASE + 10), updated_max: iso(BASE + 20), limit: '250' });
    expect(p.items.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${String(10 + i).padStart(7, '0')}`));
    expect(p.total).toBe(10);
    expect(p.next_cursor).toBeNull();
  });

  it('keeps same-timestamp groups whole at window bounds and across pages', async () => {
    const s = await start({ count: 100, sameTimestampEvery: 10 });
    expect(s.get('r0000011')?.updatedAt).toBe(s.get('r0000020')?.updatedAt);
    const groupTs = s.get('r0000011')!.updatedAt;
    const window = { updated_min: groupTs, updated_max: s.get('r0000031')!.updatedAt, limit: '3' };
    const seen = await pageAll(s, window);
    expect(seen.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => `r${String(11 + i).padStart(7, '0')}`));
  });

  it('moves an updated record to the end of a pass in progress, so it is still seen', async () => {
    const s = await start({ count: 1000 });
    const later = BASE + 60_000;
    const seen = await pageAll(s, { limit: '100' }, (n) => {
      if (n === 0) s.update(['r0000050', 'r0000500'], later);
    });
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.filter((id) => id === 'r0000050')).toHaveLength(2); // once before, once after the edit
    expect(ids.filter((id) => id === 'r0000500')).toHaveLength(1);
    expect(seen.slice(-2).map((r) => [r.id, r.version, r.updatedAt])).toEqual([
      ['r0000050', 2, iso(later)],
      ['r0000500', 2, iso(later)],
    ]);
    const edited = s.get('r0000050')!;
    expect(edited.name).not.toBe(seen.find((r) => r.id === 'r0000050')?.name);
    expect(edited.price).not.toBe(seen.find((r) => r.id === 'r0000050')?.price);
  });

  it('keeps updatedAt strictly increasing per record, and supports insert and remove', async () => {
    const s = await start({ count: 10 });
    s.update(['r0000003'], BASE + 5_000);
    s.update(['r0000003'], BASE + 1_000); // an earlier clock must not move the record back
    expect(Date.parse(s.get('r0000003')!.updatedAt)).toBe(BASE + 5_001);
    const added = s.insert(2, BASE + 9_000);
    expect(added.map((r) => r.id)).toEqual(['r0000011', 'r0000012']);
    s.remove(['r0000001']);
    expect(s.get('r0000001')).toBeUndefined();
    const seen = await pageAll(s, { limit: '4' });
    expect(seen.map((r) => r.id)).toEqual(['r0000002', 'r0000004', 'r0000005', 'r0000006', 'r0000007', 'r0000008', 'r0000009', 'r0000010', 'r0000003', 'r0000011', 'r0000012']);
    expect(s.records()).toHaveLength(11);
  });

  it('handles a million records, finding a page by binary search', async () => {
    const s = await start({ count: 1_000_000 });
    const p = await page(s, { updated_min: iso(BASE + 500_001), limit: '250' });
    expect(p.total).toBe(500_000);
    expect(p.items[0]?.id).toBe('r0500001');
    expect(p.items).toHaveLength(250);
    s.update(['r0000002'], BASE + 2_000_000);
    const tail = await page(s, { updated_min: iso(BASE + 1_000_000) });
    expect(tail.items.map((r) => r.id)).toEqual(['r1000000', 'r0000002']);
  });

  it('rejects an invalid cursor or limit with 400', async () => {
    const s = await start({ count: 10 });
    for (const q of ['cursor=bm90LWpzb24', 'cursor=%%%', 'limit=0', 'limit=251', 'limit=abc', 'updated_min=yesterday']) {
      const res = await fetch(`${s.url}/records?${q}`, { headers: AUTH });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
  });
});

describe('test source: endpoints and auth', () => {
  it('requires the bearer token', async () => {
    const s = await start({ count: 5 });
    expect((await fetch(`${s.url}/records`)).status).toBe(401);
    expect((await fetch(`${s.url}/records`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${s.url}/records/r0000001`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('serves GET /records/:id, never corrupted, and 404 for unknown ids', async () => {
    const s = await start({ count: 5, faults: { rateMalformedRecord: 1 } });
    const res = await fetch(`${s.url}/records/r0000004`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(s.get('r0000004'));
    expect((await fetch(`${s.url}/records/r0000099`, { headers: AUTH })).status).toBe(404);
    expect((await fetch(`${s.url}/records/nope`, { headers: AUTH })).status).toBe(404);
  });
});

describe('test source: faults', () => {
  const N = 500;
  type Outcome = { status: number | 'error'; retryAfter?: string | null; body?: string };

  // N list requests from `workers` concurrent loops; outcomes are kept in request order.
  async function hammer(s: TestSource, { timeoutMs = 2_000, workers = 1 } = {}): Promise<Outcome[]> {
    const out: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < N; i = next++) {
        try {
          const res = await fetch(`${s.url}/records?limit=10`, { headers: AUTH, signal: AbortSignal.timeout(timeoutMs) });
          out[i] = { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
        } catch {
          out[i] = { status: 'error' };
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return out;
  }

  // Expected 100 of 500 at rate 0.2; the bounds only guard against "never" and "always".
  const roughly = (n: number | undefined): void => {
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(150);
  };

  it('5xx: rotates 500/502/503', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rate5xx: 0.2 } });
    const out = await hammer(s);
    roughly(s.stats().faults['5xx']);
    expect(new Set(out.map((o) => o.status))).toEqual(new Set([200, 500, 502, 503]));
    expect(out.filter((o) => o.status !== 200)).toHaveLength(s.stats().faults['5xx']!);
  });

  it('429: carries a fractional Retry-After', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rate429: 0.2 } });
    const out = await hammer(s);
    const limited = out.filter((o) => o.status === 429);
    roughly(limited.length);
    expect(limited.length).toBe(s.stats().faults['429']);
    expect(new Set(limited.map((o) => o.retryAfter))).toEqual(new Set(['0.05']));
  });

  it('reset: the socket is destroyed without a response', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rateReset: 0.2 } });
    const out = await hammer(s);
    roughly(s.stats().faults.reset);
    expect(out.filter((o) => o.status === 'error')).toHaveLength(s.stats().faults.reset!);
    expect(s.log.filter((e) => e.status === 'reset')).toHaveLength(s.stats().faults.reset!);
    expect(s.stats().inFlight).toBe(0);
  });

  it('hang: the response is held past the client timeout', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rateHang: 0.2, hangMs: 10_000 } });
    const out = await hammer(s, { timeoutMs: 100, workers: 20 });
    roughly(s.stats().faults.hang);
    expect(s.log.filter((e) => e.status === 'hang')).toHaveLength(s.stats().faults.hang!);
    // A loaded machine may time out an ordinary request too, never answer a held one in time.
    expect(out.filter((o) => o.status === 'error').length).toBeGreaterThanOrEqual(s.stats().faults.hang!);
  });

  it('malformed body: a 200 whose JSON is cut off', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rateMalformedBody: 0.2 } });
    const out = await hammer(s);
    const broken = out.filter((o) => {
      try {
        JSON.parse(o.body ?? '');
        return false;
      } catch {
        return true;
      }
    });
    roughly(broken.length);
    expect(broken.every((o) => o.status === 200)).toBe(true);
    expect(broken.length).toBe(s.stats().faults.malformedBody);
  });

  it('malformed record: individual records in a page are invalid', async () => {
    const s = await start({ count: 100, seed: 11, faults: { rateMalformedRecord: 0.02 } });
    const out = await hammer(s);
    const items = out.flatMap((o) => (JSON.parse(o.body ?? '') as Page).items);
    const bad = items.filter((r) => r.sku === '' && r.price === 'not-a-price');
    roughly(bad.length); // 5000 records served at 0.02
    expect(bad.length).toBe(s.stats().faults.malformedRecord);
    expect(items.filter((r) => r.sku === '' || r.price === 'not-a-price')).toHaveLength(bad.length);
  });

  it('draws the same fault sequence for the same seed', async () => {
    const faults: Partial<Faults> = { rate5xx: 0.1, rate429: 0.1, rateMalformedBody: 0.1 };
    const runs = [];
    for (const seed of [5, 5, 6]) {
      const s = await start({ count: 100, seed, faults });
      await hammer(s);
      runs.push(s.log.map((e) => `${e.status}:${e.fault ?? ''}`).join(' '));
    }
    expect(runs[0]).toBe(runs[1]);
    expect(runs[0]).not.toBe(runs[2]);
  });

  it("repeatPage 'same-cursor': every page hands back the cursor it was given", async () => {
    const s = await start({ count: 1000, faults: { repeatPage: 'same-cursor' } });
    const first = await page(s, { limit: '100' });
    const c1 = first.next_cursor!;
    const second = await page(s, { limit: '100', cursor: c1 });
    const third = await page(s, { limit: '100', cursor: second.next_cursor! });
    expect(second.next_cursor).toBe(c1);
    expect(third.next_cursor).toBe(c1);
    expect(second.items[0]?.id).toBe('r0000101');
    expect(s.stats().byCursor.get(c1)).toBe(2);
  });

  it("repeatPage 'same-content': the first page again and again, under fresh cursors", async () => {
    const s = await start({ count: 1000, faults: { repeatPage: 'same-content' } });
    const pages = [await page(s, { limit: '100' })];
    for (let i = 0; i < 3; i++) pages.push(await page(s, { limit: '100', cursor: pages[pages.length - 1]!.next_cursor! }));
    const cursors = pages.map((p) => p.next_cursor);
    expect(new Set(cursors).size).toBe(4);
    expect(cursors.every((c) => typeof c === 'string')).toBe(true);
    for (const p of pages) expect(p.items).toEqual(pages[0]!.items);
    expect(pages[0]!.items[0]?.id).toBe('r0000001');
  });

  it('slowMs delays every request; maxConcurrent sees overlapping list requests', async () => {
    // The source holds each answer on a timer: with that timer on a fake clock, "held for slowMs" is
    // checked as a condition at slowMs - 1 and at slowMs, not as a duration on a loaded machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = await start({ count: 100, faults: { slowMs: 50 } });
      const pages = Array.from({ length: 4 }, () => page(s, { limit: '5' }));
      await until(() => s.stats().inFlight === 4, 'the four requests to arrive');
      expect(s.stats().maxConcurrent).toBe(4);
      vi.advanceTimersByTime(49);
      expect(s.log.map((e) => e.status)).toEqual([0, 0, 0, 0]); // none answered yet
      vi.advanceTimersByTime(1);
      expect(s.log.map((e) => e.status)).toEqual([200, 200, 200, 200]);
      expect((await Promise.all(pages)).every((p) => p.items.length === 5)).toBe(true);
      await until(() => s.stats().inFlight === 0, 'the four sockets to close');
      s.resetStats();
      expect(s.stats()).toMatchObject({ requests: 0, listRequests: 0, maxConcurrent: 0 });
      expect(s.log).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('test source: close', () => {
  it('closes promptly while a request hangs', async () => {
    const s = await start({ count: 10, faults: { rateHang: 1, hangMs: 60_000 } });
    const pending = fetch(`${s.url}/records`, { headers: AUTH }).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => s.stats().inFlight === 1, 'the request to arrive');
    expect(s.log[0]?.status).toBe('hang');
    // The hang is 60 s: close() resolving within this bound can only mean it did not wait for it.
    const result = await Promise.race([s.close().then(() => 'closed'), new Promise((r) => setTimeout(r, 10_000, 'timeout'))]);
    expect(result).toBe('closed');
    expect(await pending).toBe('failed');
    expect(s.stats().inFlight).toBe(0);
  });
});
