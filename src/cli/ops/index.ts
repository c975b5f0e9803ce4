// Every operation by its wire name: what `serve` runs for the CLI (POST /admin/v1/cli), and the one
// place a new operation is added (besides its command in main.ts).
import { SyncError } from '../../core/errors.js';
import { connectionsAdd, connectionsList, tenantsCreate, tenantsList } from './admin.js';
import { type OpContext, type Operation, parseArgs } from './context.js';
import { customersList, customersShow, ordersList, ordersShow, productsList, productsShow, stock } from './hub.js';
import { productsCreate, productsEdit } from './products-write.js';
import { deadLettersList, deadLettersRetry, runs, runStatus, sync, syncAll } from './runs.js';

const ALL: Operation[] = [
  tenantsCreate,
  tenantsList,
  connectionsAdd,
  connectionsList,
  sync,
  syncAll,
  runStatus,
  runs,
  deadLettersList,
  deadLettersRetry,
  productsList,
  productsShow,
  productsCreate,
  productsEdit,
  ordersList,
  ordersShow,
  customersList,
  customersShow,
  stock,
] as Operation[];

export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(ALL.map((op) => [op.name, op]));

/** Runs the named operation with arguments as they came (validated here); unknown names are a 400. */
export async function runOperation(ctx: OpContext, name: string, rawArgs: unknown): Promise<unknown> {
  const op = OPERATIONS.get(name);
  if (!op) throw new SyncError('validation_failed', `unknown operation "${name}"; known: ${[...OPERATIONS.keys()].join(', ')}`);
  return op.run(ctx, parseArgs(op, rawArgs));
}
