import { readFileSync } from 'node:fs';
import { validateConnectionConfig } from '../../connectors/configs.js';
import { type ConnectionView, findConnectionByName, insertConnection, listConnections } from '../../store/connections.js';
import { decodeCursor, type Keyset } from '../../store/paging.js';
import { findTenant } from '../../store/tenants.js';
import type { GlobalFlags } from '../main.js';
import { CliError, EXIT, printJson, printTable } from '../output.js';
import { openRuntime, type Runtime } from '../runtime.js';

function parseJsonObject(what: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${what} must be a JSON object`, EXIT.usage);
  return value as Record<string, unknown>;
}

/** Credentials from JSON text, @file or stdin ("-"), so secrets need not appear in shell history. */
function readCredentials(arg: string): Record<string, unknown> {
  if (arg === '-') return parseJsonObject('credentials (stdin)', readFileSync(0, 'utf8'));
  if (arg.startsWith('@')) {
    let text: string;
    try {
      text = readFileSync(arg.slice(1), 'utf8');
    } catch (err) {
      throw new CliError(`cannot read credentials file ${arg.slice(1)}: ${(err as Error).message}`, EXIT.usage);
    }
    return parseJsonObject(`credentials file ${arg.slice(1)}`, text);
  }
  return parseJsonObject('--credentials', arg);
}

async function tenantId(rt: Runtime, ref: string): Promise<string> {
  const tenant = await findTenant(rt.db, ref);
  if (!tenant) throw new CliError(`no single tenant "${ref}" (use the id from \`commerce-sync tenants list\`)`, EXIT.usage);
  return tenant.id;
}

export interface AddConnectionOptions {
  tenant: string;
  platform: string;
  name: string;
  settings: string;
  credentials: string;
  webhookSecret?: string;
  json?: boolean;
}

export async function addConnectionCommand(flags: GlobalFlags, opts: AddConnectionOptions): Promise<void> {
  const settings = parseJsonObject('--settings', opts.settings);
  const credentials = readCredentials(opts.credentials);
  const checked = validateConnectionConfig(opts.platform, settings, credentials);
  if (!checked.ok) {
    throw new CliError(`invalid connection:\n${checked.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, EXIT.usage);
  }
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const tid = await tenantId(rt, opts.tenant);
    const view = await rt.db.withTenant(tid, async (tx) => {
      if (await findConnectionByName(tx, tid, opts.name)) {
        throw new CliError(`connection "${opts.name}" already exists for this tenant`, EXIT.conflict);
      }
      return insertConnection(tx, rt.box, {
        tenantId: tid,
        platform: opts.platform,
        name: opts.name,
        settings: checked.settings as Record<string, unknown>,
        credentials: checked.credentials as Record<string, unknown>,
        webhookSecret: opts.webhookSecret,
      });
    });
    if (opts.json) printJson(view);
    else process.stdout.write(`Added ${view.platform} connection "${view.name}" (${view.id}).\n`);
  } finally {
    await rt.close();
  }
}

export async function listConnectionsCommand(flags: GlobalFlags, opts: { tenant: string; json?: boolean }): Promise<void> {
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const tid = await tenantId(rt, opts.tenant);
    const items: ConnectionView[] = [];
    let after: Keyset | null = null;
    // Page through everything: the CLI shows the whole list.
    for (;;) {
      const page = await rt.db.withTenant(tid, (tx) => listConnections(tx, tid, { limit: 500, after }));
      items.push(...page.items);
      if (!page.nextCursor) break;
      after = decodeCursor(page.nextCursor);
    }
    if (opts.json) printJson(items);
    else printTable(items as unknown as Record<string, unknown>[], ['id', 'platform', 'name', 'status', 'createdAt']);
  } finally {
    await rt.close();
  }
}
