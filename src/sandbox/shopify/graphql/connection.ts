// Relay connections as Shopify shapes them: `nodes`, `edges { cursor node }`, `pageInfo`, `first`/`last`
// capped at 250 (lifted while a bulk operation exports).
import { GraphQLError } from 'graphql';
import type { CursorKey } from '../ids.js';
import type { Page, PageArgs } from '../store/listing.js';
import { InvalidCursorError, paginate } from '../store/listing.js';
import type { GraphQLContext } from './context.js';

export const MAX_PAGE_SIZE = 250;

export interface Connection<T> {
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

/** The message Shopify uses when a page size is over the cap (observed to start with this text). */
export function pageSizeError(arg: 'first' | 'last'): string {
  return `${arg} cannot exceed ${MAX_PAGE_SIZE}. Use a smaller page size, or a bulk operation for larger result sets.`;
}

export function checkPageArgs(args: ConnectionArgs, ctx: Pick<GraphQLContext, 'unbounded'>): PageArgs {
  if (ctx.unbounded) return { ...args, first: args.first ?? Number.MAX_SAFE_INTEGER };
  if (args.first == null && args.last == null) throw new GraphQLError('you must provide one of first or last');
  for (const arg of ['first', 'last'] as const) {
    const value = args[arg];
    if (value != null && value > MAX_PAGE_SIZE) throw new GraphQLError(pageSizeError(arg));
    if (value != null && value < 0) throw new GraphQLError(`${arg} must be a non-negative integer`);
  }
  return args;
}

export function toConnection<T>(page: Page<T>): Connection<T> {
  return {
    nodes: page.items,
    edges: page.items.map((node, i) => ({ cursor: page.cursors[i] ?? '', node })),
    pageInfo: {
      hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null, endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
  };
}

/** Paginates a sorted list into a connection, turning a bad cursor into a GraphQL error. */
export function connectionOf<T>(
  sorted: readonly T[], keyOf: (item: T) => CursorKey, args: ConnectionArgs, ctx: Pick<GraphQLContext, 'unbounded'>,
  matches?: (item: T) => boolean,
): Connection<T> {
  const pageArgs = checkPageArgs(args, ctx);
  try {
    return toConnection(paginate(sorted, keyOf, pageArgs, matches));
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new GraphQLError(error.message);
    throw error;
  }
}
