// Control operations, shared by the /_sandbox/ routes and the EmagSandbox object's methods. Input from the
// control API is validated here, and refusals carry the HTTP status the route answers with.
import { z } from 'zod';
import { type FaultConfig, FaultConfigSchema } from '../faults.js';
import { editOrder, MarketplaceError, NewOrderSchema, OrderEditSchema, placeOrder } from '../marketplace.js';
import type { AccountStats, RequestLogEntry } from '../request-log.js';
import type { Account, SandboxRuntime } from '../runtime.js';
import { orderIdBase, seedAccount, type SeedSpec } from '../seed.js';
import { offerJson, orderJson } from '../shapes.js';
import { type OrderTruth, orderTruth } from '../vouchers.js';

const SeedSchema = z.strictObject({
  account: z.string().optional(),
  orders: z.number().int().min(0).max(1_000_000).optional(),
  offers: z.number().int().min(0).max(1_000_000).optional(),
  linesPerOrder: z.number().int().min(1).max(50).optional(),
  newShare: z.number().min(0).max(1).optional(),
  spanDays: z.number().int().min(1).max(3650).optional(),
  baseTime: z.number().int().optional(),
  voucherShare: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new MarketplaceError(400, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return r.data;
}

export class EmagControl {
  constructor(readonly runtime: SandboxRuntime) {}

  protected account(name: string): Account {
    const a = this.runtime.accounts.get(name);
    if (!a) throw new MarketplaceError(404, `unknown account ${name}; accounts: ${[...this.runtime.accounts.keys()].join(', ')}`);
    return a;
  }

  /** Replaces the data of one account (or of every account) deterministically. */
  seed(spec: SeedSpec & { account?: string }): Record<string, { orders: number; offers: number }> {
    const s = parse(SeedSchema, spec);
    const targets = s.account ? [this.account(s.account)] : [...this.runtime.accounts.values()];
    const out: Record<string, { orders: number; offers: number }> = {};
    for (const a of targets) {
      out[a.config.name] = seedAccount(a.store, s, a.index, a.type);
      a.lastPage.clear();
    }
    return out;
  }

  accounts(): { name: string; kind: string; username: string; orders: number; offers: number }[] {
    return [...this.runtime.accounts.values()].map((a) => ({ name: a.config.name, kind: a.config.kind, username: a.config.username, orders: a.store.orders.length, offers: a.store.offers.length }));
  }

  placeOrder(account: string, input: unknown = {}): Record<string, unknown> {
    const a = this.account(account);
    const order = placeOrder(a.store, this.runtime.clock, a.type, orderIdBase(a.index), parse(NewOrderSchema, input));
    return orderJson(order, this.runtime.options.timeZone, this.runtime.options.currency);
  }

  editOrder(account: string, id: number, edit: unknown): Record<string, unknown> {
    const a = this.account(account);
    const order = editOrder(a.store, this.runtime.clock, id, parse(OrderEditSchema, edit));
    return orderJson(order, this.runtime.options.timeZone, this.runtime.options.currency);
  }

  /** The account's orders as order/read shows them, all types. */
  orders(account: string): Record<string, unknown>[] {
    const { timeZone, currency } = this.runtime.options;
    return this.account(account).store.orders.map((o) => orderJson(o, timeZone, currency));
  }

  /** What each order of the account costs the customer (lines with VAT + shipping - vouchers, to the cent), computed by the sandbox. */
  orderTotals(account: string): OrderTruth[] {
    return this.account(account).store.orders.map((o) => orderTruth(o, this.runtime.options.currency));
  }

  offers(account: string): Record<string, unknown>[] {
    const a = this.account(account);
    const reserved = a.store.reservedByNewOrders();
    return a.store.offers.map((o) => offerJson(o, reserved.get(o.id) ?? 0, this.runtime.options.currency));
  }

  faults(): FaultConfig {
    return this.runtime.faults.current;
  }

  setFaults(patch: Partial<FaultConfig>): FaultConfig {
    parse(FaultConfigSchema.partial(), patch);
    return this.runtime.faults.set(patch);
  }

  clearFaults(): FaultConfig {
    this.runtime.faults.clear();
    return this.runtime.faults.current;
  }

  requests(limit?: number): RequestLogEntry[] {
    return this.runtime.log.list(limit);
  }

  clearRequests(): void {
    this.runtime.log.clear();
  }

  stats(): { accounts: Record<string, AccountStats>; timeScale: number } {
    return { accounts: this.runtime.log.stats(), timeScale: this.runtime.clock.timeScale };
  }

  setTimeScale(scale: number): { timeScale: number } {
    if (!(scale > 0)) throw new MarketplaceError(400, 'timeScale must be a positive number');
    this.runtime.clock.setTimeScale(scale);
    return { timeScale: scale };
  }

  /** Fills every account's buckets, so that a measurement starts from the same state. */
  resetLimits(): void {
    for (const a of this.runtime.accounts.values()) a.limits.reset();
  }
}
