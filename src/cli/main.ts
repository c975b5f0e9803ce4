#!/usr/bin/env node
// The `commerce-sync` command. Each command module is loaded only when used, so quick commands
// (tenants, connections) start fast and `serve` pays for the server alone.
import { Command, CommanderError, Option } from 'commander';
import { PACKAGE_VERSION } from '../server/version.js';
import { CliError, EXIT, exitCodeFor } from './output.js';

const program = new Command('commerce-sync')
  .description(
    'Keeps products, stock, orders, customers and a print-on-demand catalog consistent between a hub\n' +
      'database and Shopify, WooCommerce, Printful, eMAG and JTL-FFN.\n\n' +
      'Storage: embedded PGlite in ./.commerce-sync by default; set DATABASE_URL for PostgreSQL.\n' +
      'Exit codes: 0 ok, 2 usage/config error, 3 partial, 4 failed, 5 conflict or already running.',
  )
  .version(PACKAGE_VERSION)
  .addOption(new Option('--data-dir <dir>', 'embedded database directory').env('COMMERCE_SYNC_DATA_DIR'))
  .addOption(new Option('--database-url <url>', 'PostgreSQL connection string').env('DATABASE_URL'))
  .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('LOG_LEVEL'))
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

export interface GlobalFlags {
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
}
export const globalFlags = (): GlobalFlags => program.opts<GlobalFlags>();

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => (await import('./commands/migrate.js')).migrateCommand(globalFlags(), opts));

program
  .command('demo')
  .description('a Shopify sandbox with sample data, the server, the initial sync with progress, then keep serving')
  .addOption(new Option('-p, --port <port>', 'port of the server (default 3000)'))
  .option('--products <n>', 'products in the sandbox shop', '1000')
  .option('--orders <n>', 'orders in the sandbox shop', '3000')
  .option('--customers <n>', 'customers in the sandbox shop', '1500')
  .action(async (opts) => (await import('./commands/demo.js')).demoCommand(globalFlags(), opts));

program
  .command('serve')
  .description('run the API, webhook receivers, docs and an embedded worker')
  .addOption(new Option('-p, --port <port>', 'port to listen on (PORT, default 3000)'))
  .addOption(new Option('--host <host>', 'interface to bind (HOST, default 127.0.0.1)'))
  .action(async (opts: { port?: string; host?: string }) => (await import('./commands/serve.js')).serveCommand(globalFlags(), opts));

program
  .command('master-key')
  .description('manage the master key that encrypts stored secrets')
  .command('rotate')
  .description('re-encrypt every stored secret under COMMERCE_SYNC_MASTER_KEY, reading old ones with COMMERCE_SYNC_PREVIOUS_MASTER_KEYS')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => (await import('./commands/master-key.js')).rotateMasterKeyCommand(globalFlags(), opts));

const tenants = program.command('tenants').description('manage tenants and their API keys');
tenants
  .command('create <name>')
  .description('create a tenant and print its API key (shown only once)')
  .option('--json', 'machine-readable output')
  .action(async (name: string, opts: { json?: boolean }) => (await import('./commands/tenants.js')).createTenantCommand(globalFlags(), name, opts));
tenants
  .command('list')
  .description('list tenants')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => (await import('./commands/tenants.js')).listTenantsCommand(globalFlags(), opts));

const connections = program.command('connections').description("manage a tenant's platform connections");
connections
  .command('add')
  .description('add a connection (credentials are encrypted at rest)')
  .requiredOption('-t, --tenant <tenant>', 'tenant id or name (or COMMERCE_SYNC_TENANT)', process.env.COMMERCE_SYNC_TENANT)
  .requiredOption('--platform <platform>', 'shopify | woocommerce | printful | emag | jtl-ffn')
  .requiredOption('--name <name>', 'a name unique within the tenant, e.g. "shop-main"')
  .option('--settings <json>', 'settings as a JSON object, e.g. \'{"shopDomain":"x.myshopify.com"}\'', '{}')
  .requiredOption('--credentials <json|@file|->', 'credentials as JSON, @path to a JSON file, or - to read stdin')
  .option('--webhook-secret <secret>', 'secret for verifying webhook signatures')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  commerce-sync connections add -t acme --platform shopify --name shop \\\n    --settings \'{"shopDomain":"acme.myshopify.com"}\' --credentials @shopify-credentials.json')
  .action(async (opts) => (await import('./commands/connections.js')).addConnectionCommand(globalFlags(), opts));
connections
  .command('list')
  .description("list a tenant's connections")
  .requiredOption('-t, --tenant <tenant>', 'tenant id or name (or COMMERCE_SYNC_TENANT)', process.env.COMMERCE_SYNC_TENANT)
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/connections.js')).listConnectionsCommand(globalFlags(), opts));

const tenantOption = () => new Option('-t, --tenant <tenant>', 'tenant id or name (or COMMERCE_SYNC_TENANT)').env('COMMERCE_SYNC_TENANT').makeOptionMandatory();

program
  .command('sync <connection>')
  .description('sync a connection (id or name): every stream, dependencies first, or --stream')
  .addOption(tenantOption())
  .option('-s, --stream <stream...>', 'only these streams')
  .option('--full', 'full pass (also deletes what the platform no longer has), instead of incremental')
  .option('--wait', 'run it here with live progress and exit with its outcome')
  .option('--deadline <seconds>', 'stop the run (timed_out) after this long')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExit codes: 0 succeeded, 3 partial (dead letters), 4 failed/timed out/cancelled, 5 already running or throttled.')
  .action(async (connection: string, opts) => (await import('./commands/sync.js')).syncCommand(globalFlags(), connection, opts));

program
  .command('runs')
  .description('list recent runs, newest first')
  .addOption(tenantOption())
  .option('-c, --connection <connection>', 'only this connection (id or name)')
  .option('-n, --limit <n>', 'how many', '20')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).runsCommand(globalFlags(), opts));

const deadLetters = program.command('dead-letters').description('records or pages that could not be mapped or written');
deadLetters
  .command('list')
  .description('list open dead letters')
  .addOption(tenantOption())
  .option('-c, --connection <connection>', 'only this connection (id or name)')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).deadLettersListCommand(globalFlags(), opts));
deadLetters
  .command('retry')
  .description('retry open dead letters (re-read from the source where possible); exit 3 if some still fail')
  .addOption(tenantOption())
  .option('-c, --connection <connection>', 'only this connection (id or name)')
  .option('--run <runId>', 'only dead letters of this run')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).deadLettersRetryCommand(globalFlags(), opts));

program
  .command('worker')
  .description('execute queued runs and resume orphaned ones, without the HTTP server (scale-out on PostgreSQL)')
  .option('--concurrency <n>', 'runs executed at once by this process', '4')
  .action(async (opts) => (await import('./commands/worker.js')).workerCommand(globalFlags(), opts));

async function run(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other parse failure is a usage error
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const code = exitCodeFor(err);
    process.stderr.write(`commerce-sync: ${(err as Error).message}\n`);
    if (!(err instanceof CliError) && code === EXIT.failed && process.env.LOG_LEVEL === 'debug') {
      process.stderr.write(`${(err as Error).stack}\n`);
    }
    process.exitCode = code;
  }
}

await run();
