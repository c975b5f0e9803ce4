// Writes to eMAG against the sandbox: offer stock through PATCH offer_stock, price and status through
// product_offer/save; refusals and malformed platform answers become clear errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emagConnector } from '../../src/connectors/emag/index.js';
import type { EmagConfig } from '../../src/connectors/emag/config-merged.js';
import { resultsOf } from '../../src/connectors/emag/api.js';
import { createHttpClient } from '../../src/connectors/http.js';
import { SANDBOX_OUTBOUND } from '../helpers/outbound.js';
import { Limiter } from '../../src/connectors/limiter.js';
import type { Ctx } from '../../src/connectors/types.js';
import { RetryBudget } from '../../src/core/retry-budget.js';
import { type EmagSandbox, startEmagSandbox } from '../../src/sandbox/emag/index.js';

describe('eMAG push against the sandbox', () => {
  let sb: EmagSandbox;
  let ctx: Ctx<EmagConfig>;
  const silent = { debug() {}, info() {}, warn() {} };

  beforeAll(async () => {
    sb = await startEmagSandbox({ timeScale: 50 });
    const config = emagConnector.config.parse({ account: 'main', baseUrl: sb.apiUrl, requestsPerSecond: { orders: 600, other: 150 }, ...sb.credentials('main') });
    const http = createHttpClient({
      baseUrl: emagConnector.baseUrl(config), limiter: new Limiter(emagConnector.rateLimit(config)), defaultHeaders: emagConnector.defaultHeaders!(config),
      signal: new AbortController().signal, budget: new RetryBudget(), classify: emagConnector.classify, observeRateLimit: emagConnector.observeRateLimit,
      backoff: { baseMs: 5, capMs: 20 }, outbound: SANDBOX_OUTBOUND,
    });
    ctx = { config, http, signal: new AbortController().signal, runStartedAt: new Date(), log: silent };
  });
  beforeEach(() => {
    sb.seed({ account: 'main', orders: 0, offers: 5, seed: 2 });
    sb.clearFaults();
  });
  afterAll(async () => {
    await sb?.close();
  });

  const offer = () => sb.offers('main')[0]! as { id: number; sale_price: string; min_sale_price: string; general_stock: number; stock: { warehouse_id: number; value: number }[] };

  it('sets stock with PATCH offer_stock/{id}, clamped to 0..65535', async () => {
    await emagConnector.push!.setStock!(ctx, { productExternalId: String(offer().id), locationId: '1', available: 37, idempotencyKey: 'k1' });
    expect(offer().general_stock).toBe(37);
    await emagConnector.push!.setStock!(ctx, { productExternalId: String(offer().id), locationId: '1', available: -4, idempotencyKey: 'k2' });
    expect(offer().general_stock).toBe(0);
    expect(sb.requests().filter((r) => r.route === 'offer_stock').map((r) => r.status)).toEqual([204, 204]);
  });

  it('sets the stock of another warehouse through a full offer save', async () => {
    await emagConnector.push!.setStock!(ctx, { productExternalId: String(offer().id), locationId: '2', available: 8, idempotencyKey: 'k3' });
    expect(offer().stock.find((s) => s.warehouse_id === 2)?.value).toBe(8);
  });

  it('sets price and status through product_offer/save, keeping the fields it does not push', async () => {
    const o = offer();
    const res = await emagConnector.push!.upsertProduct!(ctx, { parentExternalId: null, title: 'x', isActive: false, skus: [{ externalId: String(o.id), sku: `SKU-${o.id}`, variantName: 'x', price: o.min_sale_price }] });
    expect(res.skus[0]!.externalId).toBe(String(o.id));
    const after = sb.offers('main')[0]! as { sale_price: string; status: number; stock: unknown };
    expect(after).toMatchObject({ sale_price: o.min_sale_price, status: 0, stock: o.stock });
  });

  it('explains refusals: price out of range, unknown offer, campaign lock, unlinked SKU', async () => {
    const o = offer();
    await expect(emagConnector.push!.upsertProduct!(ctx, { parentExternalId: null, title: 'x', skus: [{ externalId: String(o.id), sku: 's', variantName: 'x', price: '0.01' }] }))
      .rejects.toMatchObject({ code: 'upstream_rejected', message: expect.stringMatching(/product_offer\/save failed: .*between min_sale_price/) });
    await expect(emagConnector.push!.setStock!(ctx, { productExternalId: '999', locationId: '1', available: 1, idempotencyKey: 'k' }))
      .rejects.toMatchObject({ code: 'upstream_rejected', message: 'eMAG refused the stock of offer 999: This offer does not exist' });
    sb.setFaults({ campaignLock: true });
    await expect(emagConnector.push!.setStock!(ctx, { productExternalId: String(o.id), locationId: '1', available: 1, idempotencyKey: 'k' }))
      .rejects.toMatchObject({ message: expect.stringMatching(/active campaign BF/) });
    await expect(emagConnector.push!.upsertProduct!(ctx, { parentExternalId: null, title: 'x', skus: [{ externalId: null, sku: 'NEW-1', variantName: 'x' }] }))
      .rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/NEW-1 has no eMAG offer/) });
  });

  it('turns bad platform answers into clear errors', async () => {
    sb.setFaults({ invalidIp: true });
    await expect(emagConnector.push!.upsertProduct!(ctx, { parentExternalId: null, title: 'x', skus: [{ externalId: String(offer().id), sku: 's', variantName: 'x' }] }))
      .rejects.toMatchObject({ code: 'upstream_rejected', message: expect.stringMatching(/refused the caller's IP .*Invalid vendor ip.*whitelist/) });
    expect(() => resultsOf('order/read', '<html>')).toThrow(/without the \{isError, messages, results\} envelope/);
    expect(() => resultsOf('order/read', { isError: 'no' })).toThrow(/isError "no" instead of true\/false/);
    expect(() => resultsOf('order/read', { isError: true, messages: ['Something broke'] })).toThrow('eMAG order/read failed: Something broke');
  });
});
