// Sliced streams (Stream.slices): the engine plans a pass's slices once, pages each slice in turn with
// the same loop guard and a checkpoint per page, keeps the slice list in the checkpoint so a resumed
// run goes on inside the slice it stopped in, and shows the slice in the run's progress.
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, Slice, Stream } from '../../src/connectors/types.js';
import { SyncError } from '../../src/core/errors.js';
import { TokenBucket } from '../../src/core/rate-limit.js';
import { connectorRegistry } from '../../src/engine/registry.js';
import { createEngineHarness, type EngineHarness } from '../helpers/engine.js';
import { mapSourceRecord, testConfig, type TestConfig } from '../helpers/test-connector.js';
import type { SourceRecord } from '../helpers/test-source.js';

const PAGE = 3;
const Cursor = z.object({ slice: z.string(), page: z.number().int().min(0) });
type Cursor = z.infer<typeof Cursor>;

const record = (slice: string, i: number): SourceRecord => ({
  id: `${slice}-${i}`,
  sku: `SKU-${slice}-${i}`,
  name: `${slice} ${i}`,
  price: '1.00',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
});

interface Script {
  /** Records per slice, in the order the plan gives the slices. */
  slices: Record<string, number>;
  /** Throws once when this (slice, page) is first asked for. */
  failAt?: { slice: string; page: number };
  /** This slice answers its first cursor again and again. */
  loopIn?: string;
}

function slicedConnector(script: Script) {
  const reads: string[] = [];
  let plans = 0;
  let failed = false;
  const stream: Stream<TestConfig, SourceRecord, Cursor> = {
    name: 'products',
    entity: 'product',
    cursor: Cursor,
    slices: {
      plan: () => {
        plans++;
        return Object.keys(script.slices).map((key): Slice => ({ key }));
      },
    },
    async fetchPage(_ctx, cursor, _mode, at) {
      const key = at!.slice.key;
      const page = cursor && cursor.slice === key ? cursor.page : 0;
      if (script.failAt && !failed && script.failAt.slice === key && script.failAt.page === page) {
        failed = true;
        throw new SyncError('upstream_rejected', `refused at ${key} page ${page}`);
      }
      reads.push(`${key}:${page}`);
      if (script.loopIn === key) return { items: [], next: { slice: key, page: 0 }, done: false };
      const total = script.slices[key]!;
      const items = Array.from({ length: Math.max(0, Math.min(PAGE, total - page * PAGE)) }, (_, i) => record(key, page * PAGE + i));
      return { items, next: { slice: key, page: page + 1 }, done: (page + 1) * PAGE >= total };
    },
    toRecords: (raw) => mapSourceRecord(raw),
  };
  const connector: Connector<TestConfig> = {
    platform: 'woocommerce',
    config: testConfig as unknown as z.ZodType<TestConfig>,
    baseUrl: (cfg) => cfg.baseUrl,
    defaultHeaders: () => ({}),
    rateLimit: () => new TokenBucket({ ratePerSec: 10_000, burst: 1_000 }),
    streams: [stream],
  };
  return { connector, reads, plans: () => plans };
}

describe('sliced streams', () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const harness = (connector: Connector<TestConfig>) => createEngineHarness({ source: { count: 0 }, engine: { registry: connectorRegistry([connector]) } });
  const checkpoint = async (x: EngineHarness) =>
    (await x.db.query<{ cursor: { passComplete: boolean; slices?: { list: Slice[]; index: number } } }>(`SELECT cursor FROM stream_state WHERE connection_id = $1 AND stream = 'products'`, [x.connectionId])).rows[0]!.cursor;

  it('reads every slice in order, page by page (an empty slice too), from one plan per pass', async () => {
    const s = slicedConnector({ slices: { jan: 7, feb: 0, mar: 3 } });
    h = await harness(s.connector);
    const run = await h.sync('full');
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(s.reads).toEqual(['jan:0', 'jan:1', 'jan:2', 'feb:0', 'mar:0']);
    expect(s.plans()).toBe(1);
    expect((await h.hubProducts()).map((p) => p.id)).toEqual([...Array.from({ length: 7 }, (_, i) => `jan-${i}`), 'mar-0', 'mar-1', 'mar-2'].sort());
    expect(run.progress).toMatchObject({ page: 5, processed: 10, slice: { key: 'mar', index: 2, count: 3 } });
    expect(await checkpoint(h)).toMatchObject({ passComplete: true, slices: { index: 2, list: [{ key: 'jan' }, { key: 'feb' }, { key: 'mar' }] } });

    // A new pass plans again.
    expect((await h.sync('full')).status).toBe('succeeded');
    expect(s.plans()).toBe(2);
  });

  it('a run that stops inside a slice is resumed there by the next run: same slices, nothing before it read again', async () => {
    const s = slicedConnector({ slices: { jan: 7, feb: 8, mar: 2 }, failAt: { slice: 'feb', page: 1 } });
    h = await harness(s.connector);
    const first = await h.sync('full');
    expect([first.status, first.error?.code]).toEqual(['failed', 'upstream_rejected']);
    expect(await checkpoint(h)).toMatchObject({ passComplete: false, slices: { index: 1 } });
    expect(s.reads).toEqual(['jan:0', 'jan:1', 'jan:2', 'feb:0']);

    const second = await h.sync('full');
    expect([second.status, second.error]).toEqual(['succeeded', null]);
    expect(s.reads.slice(4)).toEqual(['feb:1', 'feb:2', 'mar:0']);
    expect(s.plans()).toBe(1); // the resumed run took the slices from the checkpoint
    expect(await h.hubProducts()).toHaveLength(17);
  });

  it('a slice that answers the same cursor again stops the run with pagination_loop', async () => {
    const s = slicedConnector({ slices: { jan: 4, feb: 5 }, loopIn: 'feb' });
    h = await harness(s.connector);
    const run = await h.sync('full');
    expect([run.status, run.error?.code]).toEqual(['failed', 'pagination_loop']);
    // jan's two pages, then feb's first answer and its repeat: bounded, no looping.
    expect(s.reads).toEqual(['jan:0', 'jan:1', 'feb:0', 'feb:0']);
    expect(await h.hubProducts()).toHaveLength(4);
  });

  it('a plan with no slice fails the run with a clear error instead of reading nothing', async () => {
    const s = slicedConnector({ slices: {} });
    h = await harness(s.connector);
    const run = await h.sync('full');
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/planned no slice/);
    expect(s.reads).toEqual([]);
  });
});
