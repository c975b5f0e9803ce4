// order/read, order/count and order/acknowledge/{id} for one account.
import { InputError, orderFilter, paging } from './filters.js';
import { acknowledge } from './marketplace.js';
import type { Account, SandboxRuntime } from './runtime.js';
import { orderJson } from './shapes.js';

export interface ReadResult {
  results: unknown;
  /** currentPage of a read, for the request log and the page-repeat fault. */
  page?: number;
}

export function readOrders(runtime: SandboxRuntime, account: Account, body: Record<string, unknown>): ReadResult {
  const { options } = runtime;
  const { page, perPage } = paging(body, options.maxOrdersPerPage);
  const filter = orderFilter(body, options);
  const out: unknown[] = [];
  const start = (page - 1) * perPage;
  let seen = 0;
  for (const o of account.store.orders) {
    if (!filter.matches(o)) continue;
    if (seen++ < start) continue;
    out.push(orderJson(o, options.timeZone, options.currency));
    if (out.length >= perPage) break;
  }
  return { results: out, page };
}

export function countOrders(runtime: SandboxRuntime, account: Account, body: Record<string, unknown>): ReadResult {
  const { options } = runtime;
  const { perPage } = paging(body, options.maxOrdersPerPage);
  const filter = orderFilter(body, options);
  let n = 0;
  for (const o of account.store.orders) if (filter.matches(o)) n++;
  const pages = Math.ceil(n / perPage);
  const v = (x: number) => (options.countAsStrings ? String(x) : x);
  return { results: { noOfItems: v(n), noOfPages: v(pages), itemsPerPage: v(perPage) } };
}

export function acknowledgeOrder(account: Account, id: string | undefined): ReadResult {
  const n = Number(id);
  if (!id || !Number.isInteger(n) || n < 1) throw new InputError('Invalid order id.');
  acknowledge(account.store, n);
  return { results: [] };
}
