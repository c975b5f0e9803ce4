// A connector for the paged test source (test/helpers/test-source.ts), written the way a real
// connector is: config schema, rate-limit model, a products stream with the two-phase incremental
// cursor, pure mapping, and fetchRecord for dead-letter retries.
import { z } from 'zod';
import type { Connector, Stream } from '../../src/connectors/types.js';
import { afterPage, closeWindow, IncrementalCursor, openWindow } from '../../src/core/incremental.js';
import { TokenBucket } from '../../src/core/rate-limit.js';
import { invalidRecord, type CanonicalRecord, type InvalidRecord } from '../../src/core/records.js';
import type { SourceRecord } from './test-source.js';

export const testConfig = z.object({
  baseUrl: z.string().url(),
  token: z.string(),
  pageSize: z.number().int().min(1).max(250).default(100),
  overlapMs: z.number().int().min(0).default(0),
  /** Requests per second allowed by the limiter (high = effectively unthrottled). */
  ratePerSec: z.number().positive().default(10_000),
});
export type TestConfig = z.infer<typeof testConfig>;

interface ListResponse {
  items: SourceRecord[];
  next_cursor: string | null;
  total: number;
}

export function mapSourceRecord(raw: SourceRecord, poisonSku?: string): (CanonicalRecord | InvalidRecord)[] {
  if (typeof raw !== 'object' || raw === null || typeof raw.id !== 'string') return [invalidRecord(raw, 'record has no id')];
  const product: CanonicalRecord = {
    entity: 'product',
    externalId: raw.id,
    parentExternalId: null,
    sku: raw.sku,
    name: raw.name,
    price: raw.price,
    remoteUpdatedAt: raw.updatedAt,
  };
  if (poisonSku && raw.sku === poisonSku) {
    return [product, { entity: 'stock_level', productExternalId: raw.id, locationId: 'main', available: 3_000_000_000 }];
  }
  return [product];
}

const products: Stream<TestConfig, SourceRecord, IncrementalCursor> = {
  name: 'products',
  entity: 'product',
  cursor: IncrementalCursor,
  async fetchPage(ctx, cursor, mode) {
    const { cursor: open, bounds } = openWindow(cursor, ctx.runStartedAt, ctx.config.overlapMs);
    // A full pass reads everything with no upper bound, so a record edited during the pass moves to
    // the end of the order and is still seen (a frozen upper bound would hide it from the sweep).
    const res = await ctx.http.request<ListResponse>({
      path: '/records',
      query: {
        limit: ctx.config.pageSize,
        cursor: (bounds.page as string | null) ?? undefined,
        updated_min: mode === 'incremental' ? (bounds.from ?? undefined) : undefined,
        updated_max: mode === 'incremental' ? bounds.to : undefined,
      },
    });
    const body = res.body;
    const after = afterPage(open, body.next_cursor, body.items.map((i) => i?.updatedAt).filter((u): u is string => typeof u === 'string' && !Number.isNaN(Date.parse(u))));
    const done = body.next_cursor === null;
    return { items: body.items, next: done ? closeWindow(after) : after, done, total: body.total };
  },
  toRecords: (raw) => mapSourceRecord(raw),
  async fetchRecord(ctx, externalId) {
    const res = await ctx.http.request<SourceRecord>({ path: `/records/${encodeURIComponent(externalId)}` });
    return res.body;
  },
};

export interface TestConnectorOptions {
  platform?: 'woocommerce' | 'shopify';
  /** Records with this SKU also carry a stock level the database cannot store (int overflow): their page cannot be written. */
  poisonSku?: string;
}

/** The test connector, registered under a real platform name so connections can use it. */
export function testConnector(opts: TestConnectorOptions = {}): Connector<TestConfig> {
  const platform = opts.platform ?? 'woocommerce';
  return {
    platform,
    config: testConfig as unknown as z.ZodType<TestConfig>,
    baseUrl: (cfg) => cfg.baseUrl,
    defaultHeaders: (cfg) => ({ authorization: `Bearer ${cfg.token}` }),
    rateLimit: (cfg) => new TokenBucket({ ratePerSec: cfg.ratePerSec, burst: Math.max(1, Math.ceil(cfg.ratePerSec / 10)) }),
    streams: [{ ...products, toRecords: (raw: SourceRecord) => mapSourceRecord(raw, opts.poisonSku) }],
  };
}
