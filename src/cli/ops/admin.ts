// Tenants and connections: the operations behind `tenants create|list` and `connections add|list`.
import { z } from 'zod';
import { validateConnectionConfig } from '../../connectors/configs.js';
import { SyncError } from '../../core/errors.js';
import { type ConnectionView, findConnectionByName, insertConnection, listConnections } from '../../store/connections.js';
import type { Db } from '../../store/db.js';
import { decodeCursor, type Keyset } from '../../store/paging.js';
import { createTenant, listTenants } from '../../store/tenants.js';
import { defineOperation, tenantArg, tenantOf } from './context.js';

export interface TenantView {
  id: string;
  name: string;
  createdAt: string;
}

export const tenantsCreate = defineOperation({
  name: 'tenants-create',
  args: z.object({ name: z.string().trim().min(1, 'tenant name must be 1-200 characters').max(200, 'tenant name must be 1-200 characters') }),
  async run(ctx, args): Promise<TenantView & { apiKey: string }> {
    const { tenant, apiKey } = await ctx.db.transaction((tx) => createTenant(tx, args.name));
    return { id: tenant.id, name: tenant.name, apiKey, createdAt: tenant.createdAt.toISOString() };
  },
});

export const tenantsList = defineOperation({
  name: 'tenants-list',
  args: z.object({}),
  async run(ctx): Promise<TenantView[]> {
    return (await listTenants(ctx.db)).map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString() }));
  },
});

export const connectionsAdd = defineOperation({
  name: 'connections-add',
  args: z.object({
    tenant: tenantArg,
    platform: z.string().min(1),
    name: z.string().trim().min(1).max(200),
    settings: z.record(z.string(), z.unknown()).default({}),
    // Read by the CLI from its argument, a file or stdin: the server cannot see either.
    credentials: z.record(z.string(), z.unknown()),
    webhookSecret: z.string().min(1).optional(),
  }),
  async run(ctx, args): Promise<ConnectionView> {
    const checked = validateConnectionConfig(args.platform, args.settings, args.credentials);
    if (!checked.ok) {
      // Issues name fields, never their values (credentials must not reach a terminal or a log).
      throw new SyncError('validation_failed', `invalid connection:\n${checked.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, { details: { issues: checked.issues } });
    }
    const tenant = await tenantOf(ctx.db, args.tenant);
    return ctx.db.withTenant(tenant.id, async (tx) => {
      if (await findConnectionByName(tx, tenant.id, args.name)) throw new SyncError('conflict', `connection "${args.name}" already exists for this tenant`);
      return insertConnection(tx, ctx.box, {
        tenantId: tenant.id,
        platform: args.platform,
        name: args.name,
        settings: checked.settings as Record<string, unknown>,
        credentials: checked.credentials as Record<string, unknown>,
        webhookSecret: args.webhookSecret,
      });
    });
  },
});

/** Every connection of a tenant (paged through here: the CLI shows the whole list). */
export async function allConnections(ctx: { db: Db }, tenantId: string): Promise<ConnectionView[]> {
  const items: ConnectionView[] = [];
  let after: Keyset | null = null;
  for (;;) {
    const page = await ctx.db.withTenant(tenantId, (tx) => listConnections(tx, tenantId, { limit: 500, after }));
    items.push(...page.items);
    if (!page.nextCursor) return items;
    after = decodeCursor(page.nextCursor);
  }
}

export const connectionsList = defineOperation({
  name: 'connections-list',
  args: z.object({ tenant: tenantArg }),
  async run(ctx, args): Promise<ConnectionView[]> {
    const tenant = await tenantOf(ctx.db, args.tenant);
    return allConnections(ctx, tenant.id);
  },
});
