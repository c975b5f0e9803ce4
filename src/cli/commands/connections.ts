// `connections add|list`. Settings and credentials are read here, in the command's process (a file or
// stdin the server could not see), and passed to the operation as objects.
import { parseJsonObject, readJsonObjectArg, runCommand, tableView, type View } from '../command.js';
import type { GlobalFlags } from '../main.js';
import { connectionsAdd, connectionsList } from '../ops/admin.js';
import type { ConnectionView, WebhookHealth } from '../../store/connections.js';

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

/**
 * The WEBHOOKS cell: what the last check of the connection's subscriptions found, in a few words (the full
 * finding is in --json and GET /api/v1/connections/:id). Empty: never checked.
 */
export function webhookSummary(h: WebhookHealth | null): string {
  if (!h) return '';
  if (h.subscriptions === null) return `check failed (${h.error?.code ?? 'error'}) ${h.checkedAt}`;
  const parts: string[] = [];
  if (h.unrepairedTopics.length > 0) parts.push(`disabled: ${h.unrepairedTopics.join(',')}`);
  const repairedNow = h.repairedAt === h.checkedAt;
  if (repairedNow) parts.push(`re-enabled: ${h.repairedTopics.join(',')}, catching up`);
  if (h.pausedTopics.length > 0) parts.push(`paused: ${h.pausedTopics.join(',')}`);
  if (h.error && h.unrepairedTopics.length === 0) parts.push(`error: ${h.error.code}`);
  if (parts.length === 0) parts.push(h.subscriptions === 0 ? 'none subscribed' : `ok (${h.subscriptions})`);
  if (h.repairedAt && !repairedNow) parts.push(`last repair ${h.repairedAt}`);
  return parts.join('; ');
}

export const connectionsView = tableView<ConnectionView[]>(
  (cs) => cs.map((c) => ({ ...c, webhooks: webhookSummary(c.webhookHealth) })),
  ['id', 'platform', 'name', 'status', 'webhooks', 'createdAt'],
);

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
