import { createTenant, listTenants } from '../../store/tenants.js';
import type { GlobalFlags } from '../main.js';
import { CliError, EXIT, printJson, printTable } from '../output.js';
import { openRuntime } from '../runtime.js';

export async function createTenantCommand(flags: GlobalFlags, name: string, opts: { json?: boolean }): Promise<void> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new CliError('tenant name must be 1-200 characters', EXIT.usage);
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const { tenant, apiKey } = await rt.db.transaction((tx) => createTenant(tx, trimmed));
    if (opts.json) {
      printJson({ id: tenant.id, name: tenant.name, apiKey });
      return;
    }
    process.stdout.write(
      `Created tenant "${tenant.name}" (${tenant.id}).\n\n` +
        `API key (shown only once, store it now):\n\n  ${apiKey}\n\n` +
        `Use it as:  curl -H "Authorization: Bearer ${apiKey}" http://127.0.0.1:3000/api/v1/connections\n`,
    );
  } finally {
    await rt.close();
  }
}

export async function listTenantsCommand(flags: GlobalFlags, opts: { json?: boolean }): Promise<void> {
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const tenants = await listTenants(rt.db);
    if (opts.json) printJson(tenants);
    else printTable(tenants.map((t) => ({ id: t.id, name: t.name, created: t.createdAt.toISOString() })), ['id', 'name', 'created']);
  } finally {
    await rt.close();
  }
}
