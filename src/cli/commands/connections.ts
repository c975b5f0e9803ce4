// `connections add|list`. Settings and credentials are read here, in the command's process (a file or
// stdin the server could not see), and passed to the operation as objects.
import { parseJsonObject, readJsonObjectArg, runCommand, tableView, type View } from '../command.js';
import type { GlobalFlags } from '../main.js';
import { connectionsAdd, connectionsList } from '../ops/admin.js';
import type { ConnectionView } from '../../store/connections.js';

export interface AddConnectionOptions {
  tenant: string;
  platform: string;
  name: string;
  settings: string;
  credentials: string;
  webhookSecret?: string;
  json?: boolean;
}

export const addedConnectionView: View<ConnectionView> = {
  show: (c, io) => io.out(`Added ${c.platform} connection "${c.name}" (${c.id}).\n`),
};

export const connectionsView = tableView<ConnectionView[]>((cs) => cs as unknown as Record<string, unknown>[], ['id', 'platform', 'name', 'status', 'createdAt']);

export async function addConnectionCommand(flags: GlobalFlags, opts: AddConnectionOptions): Promise<void> {
  const args = {
    tenant: opts.tenant,
    platform: opts.platform,
    name: opts.name,
    settings: parseJsonObject('--settings', opts.settings),
    credentials: readJsonObjectArg('credentials', opts.credentials),
    webhookSecret: opts.webhookSecret,
  };
  await runCommand(flags, connectionsAdd, args, addedConnectionView, opts);
}

export async function listConnectionsCommand(flags: GlobalFlags, opts: { tenant: string; json?: boolean }): Promise<void> {
  await runCommand(flags, connectionsList, { tenant: opts.tenant }, connectionsView, opts);
}
