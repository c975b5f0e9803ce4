// `tenants create|list`.
import { runCommand, tableView, type View } from '../command.js';
import type { GlobalFlags } from '../main.js';
import { tenantsCreate, tenantsList, type TenantView } from '../ops/admin.js';

export const createdTenantView: View<TenantView & { apiKey: string }> = {
  show(t, io, session) {
    io.out(
      `Created tenant "${t.name}" (${t.id}).\n\n` +
        `API key (shown only once, store it now):\n\n  ${t.apiKey}\n\n` +
        `Use it as:  curl -H "Authorization: Bearer ${t.apiKey}" ${session.apiUrl}/api/v1/connections\n`,
    );
  },
};

export const tenantsView = tableView<TenantView[]>((ts) => ts.map((t) => ({ id: t.id, name: t.name, created: t.createdAt })), ['id', 'name', 'created']);

export async function createTenantCommand(flags: GlobalFlags, name: string, opts: { json?: boolean }): Promise<void> {
  await runCommand(flags, tenantsCreate, { name }, createdTenantView, opts);
}

export async function listTenantsCommand(flags: GlobalFlags, opts: { json?: boolean }): Promise<void> {
  await runCommand(flags, tenantsList, {}, tenantsView, opts);
}
