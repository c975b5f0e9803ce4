// product_offer/read, product_offer/count, product_offer/save and PATCH offer_stock/{id} for one account.
import { z } from 'zod';
import { SeededRandom } from '../common/random.js';
import { InputError, inputVars, paging } from './filters.js';
import type { ReadResult } from './orders-api.js';
import type { Account, SandboxRuntime } from './runtime.js';
import { offerFor } from './seed.js';
import { offerJson } from './shapes.js';
import type { Offer } from './store.js';

export const CAMPAIGN_LOCK_BODY = {
  message: 'Validation errors in your request',
  errors: [{ message: 'The offer is included in the active campaign BF, thus the stock has NOT been changed.', field: 'stock' }],
};

function matching(account: Account, body: Record<string, unknown>): Offer[] {
  const id = body.id === undefined ? null : Number(body.id);
  const status = body.status === undefined ? null : Number(body.status);
  const partNumber = typeof body.part_number === 'string' ? body.part_number : null;
  return account.store.offers.filter((o) => (id === null || o.id === id) && (status === null || o.status === status) && (partNumber === null || o.part_number === partNumber));
}

export function readOffers(runtime: SandboxRuntime, account: Account, body: Record<string, unknown>): ReadResult {
  const { page, perPage } = paging(body, 100);
  const reserved = account.store.reservedByNewOrders();
  const list = matching(account, body).slice((page - 1) * perPage, page * perPage);
  return { results: list.map((o) => offerJson(o, reserved.get(o.id) ?? 0, runtime.options.currency)), page };
}

export function countOffers(runtime: SandboxRuntime, account: Account, body: Record<string, unknown>): ReadResult {
  const { perPage } = paging(body, 100);
  const n = matching(account, body).length;
  const v = (x: number) => (runtime.options.countAsStrings ? String(x) : x);
  return { results: { noOfItems: v(n), noOfPages: v(Math.ceil(n / perPage)), itemsPerPage: v(perPage) } };
}

const Decimal = z.union([z.string(), z.number()]).transform((v) => String(v)).pipe(z.string().regex(/^\d+(\.\d{1,4})?$/, 'must be a decimal with at most 4 decimals'));
const PerWarehouse = z.array(z.strictObject({ warehouse_id: z.number().int().min(1), value: z.number().int().min(0) }));
const SavedOffer = z.object({
  id: z.number().int().min(1).max(16_777_215),
  status: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  sale_price: Decimal,
  vat_id: z.number().int(),
  handling_time: PerWarehouse.refine((l) => l.every((h) => h.value <= 255), 'handling_time values are 0..255'),
  stock: PerWarehouse.refine((l) => l.every((s) => s.value <= 65_535), 'stock values are 0..65535'),
  min_sale_price: Decimal.optional(),
  max_sale_price: Decimal.optional(),
  recommended_price: Decimal.optional(),
  name: z.string().optional(),
  part_number: z.string().optional(),
});

/** Saves offers; messages of entities that failed come back with isError, the others are saved. */
export function saveOffers(runtime: SandboxRuntime, account: Account, body: unknown): { results: unknown; messages: string[] } {
  if (inputVars(body) > 4000) throw new InputError('Maximum input vars of 4000 exceeded');
  const list = Array.isArray(body) ? body : null;
  if (!list || list.length === 0) throw new InputError('data must be a non-empty list of offers.');
  if (list.length > 50) throw new InputError('At most 50 offers can be saved in one request.');
  const messages: string[] = [];
  const lock = runtime.faults.for(account.config.name).campaignLock;
  list.forEach((raw, i) => {
    const parsed = SavedOffer.safeParse(raw);
    if (!parsed.success) {
      messages.push(`Offer ${i}: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(offer)'} ${x.message}`).join('; ')}`);
      return;
    }
    const input = parsed.data;
    const existing = account.store.offerById.get(input.id);
    if (lock && existing) {
      messages.push(`Offer ${input.id}: ${CAMPAIGN_LOCK_BODY.errors[0]!.message}`);
      return;
    }
    const min = Number(input.min_sale_price ?? existing?.min_sale_price ?? NaN);
    const max = Number(input.max_sale_price ?? existing?.max_sale_price ?? NaN);
    const price = Number(input.sale_price);
    if (!existing && (input.min_sale_price === undefined || input.max_sale_price === undefined)) {
      messages.push(`Offer ${input.id}: min_sale_price and max_sale_price are required on the first save.`);
      return;
    }
    if (!(price > 0) || price < min || price > max) {
      messages.push(`Offer ${input.id}: sale_price ${input.sale_price} must be greater than 0 and between min_sale_price ${min} and max_sale_price ${max}.`);
      return;
    }
    if (input.recommended_price !== undefined && Number(input.recommended_price) <= price) {
      messages.push(`Offer ${input.id}: recommended_price must be greater than sale_price.`);
      return;
    }
    const offer = existing ?? offerFor(input.id, new SeededRandom(input.id));
    Object.assign(offer, {
      status: input.status, sale_price: input.sale_price, vat_id: input.vat_id, stock: input.stock, handling_time: input.handling_time,
      ...(input.min_sale_price !== undefined ? { min_sale_price: input.min_sale_price } : {}),
      ...(input.max_sale_price !== undefined ? { max_sale_price: input.max_sale_price } : {}),
      ...(input.recommended_price !== undefined ? { recommended_price: input.recommended_price } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.part_number !== undefined ? { part_number: input.part_number } : {}),
    });
    if (!existing) {
      account.store.addOffer(offer);
      // Documentation problems come back as errors although the offer is saved and processed.
      if (input.name === undefined) messages.push(`Offer ${input.id}: saved; documentation incomplete: name is missing.`);
    }
  });
  return { results: [], messages };
}

export type StockPatchAnswer = { status: 204 } | { status: 400 | 404; body: unknown };

/** PATCH offer_stock/{id} with `{"stock": 21}` (or the array form when switched on). */
export function patchStock(runtime: SandboxRuntime, account: Account, id: string | undefined, body: unknown): StockPatchAnswer {
  const n = Number(id);
  if (!id || !Number.isInteger(n) || n < 1) return { status: 404, body: { message: 'Invalid URL' } };
  const offer = account.store.offerById.get(n);
  if (!offer) return { status: 404, body: { message: 'This offer does not exist' } };
  const stock = (body as { stock?: unknown } | null)?.stock;
  let levels: { warehouse_id: number; value: number }[] | null = null;
  if (typeof stock === 'number' && Number.isInteger(stock) && stock >= 0 && stock <= 65_535) {
    levels = [{ warehouse_id: 1, value: stock }, ...offer.stock.filter((s) => s.warehouse_id !== 1)];
  } else if (runtime.options.stockArrayForm && Array.isArray(stock)) {
    const parsed = PerWarehouse.safeParse(stock);
    if (parsed.success) levels = parsed.data;
  }
  if (!levels) return { status: 400, body: { message: 'Invalid content' } };
  if (runtime.faults.for(account.config.name).campaignLock) return { status: 400, body: CAMPAIGN_LOCK_BODY };
  offer.stock = levels;
  return { status: 204 };
}
