#!/usr/bin/env node
// The `commerce-sync` command. Each command module is loaded only when used, so quick commands
// (tenants, connections) start fast and `serve` pays for the server alone. Commands on data run an
// operation (src/cli/ops) here, or inside the `serve` that holds the embedded data dir (session.ts).
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
  .option('--exit-after-sync', 'stop after the initial sync and its summary instead of serving (exit code: the sync\'s)')
  .action(async (opts) => (await import('./commands/demo.js')).demoCommand(globalFlags(), opts));

program
  .command('serve')
  .description('run the API, webhook receivers, docs and an embedded worker')
  .addOption(new Option('-p, --port <port>', 'port to listen on (PORT, default 3000)'))
  .addOption(new Option('--host <host>', 'interface to bind (HOST, default 127.0.0.1)'))
  .addOption(new Option('--metrics-port <port>', 'also serve GET /metrics (Prometheus, no auth) alone on this port (COMMERCE_SYNC_METRICS_PORT)'))
  .addOption(new Option('--metrics-public', 'serve GET /metrics on the API port too, without auth (COMMERCE_SYNC_METRICS_PUBLIC=1)'))
  .action(async (opts: { port?: string; host?: string; metricsPort?: string; metricsPublic?: boolean }) => (await import('./commands/serve.js')).serveCommand(globalFlags(), opts));

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

const tenantOption = () => new Option('-t, --tenant <tenant>', 'tenant id or name').env('COMMERCE_SYNC_TENANT').makeOptionMandatory();
const connectionOption = (what: string) => new Option('-c, --connection <connection>', `only ${what} of this connection (id or name)`);
const pagingOptions = (cmd: Command) =>
  cmd
    .option('-n, --limit <n>', 'items per page (1-500)', '50')
    .option('--cursor <cursor>', 'the next page: the cursor printed after the previous one (nextCursor in --json)')
    .option('--json', 'machine-readable output');

const connections = program.command('connections').description("manage a tenant's platform connections");
connections
  .command('add')
  .description('add a connection (credentials are encrypted at rest)')
  .addOption(tenantOption())
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
  .addOption(tenantOption())
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/connections.js')).listConnectionsCommand(globalFlags(), opts));

program
  .command('sync <connection>')
  .description('sync a connection (id or name): every stream, dependencies first, or --stream')
  .addOption(tenantOption())
  .option('-s, --stream <stream...>', 'only these streams')
  .option('--full', 'full pass (also deletes what the platform no longer has), instead of incremental')
  .option('--wait', 'follow the runs with live progress and exit with their outcome')
  .option('--deadline <seconds>', 'stop the run (timed_out) after this long')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExit codes: 0 succeeded, 3 partial (dead letters), 4 failed/timed out/cancelled, 5 already running or throttled.')
  .action(async (connection: string, opts) => (await import('./commands/sync.js')).syncCommand(globalFlags(), connection, opts));

program
  .command('sync-all')
  .description("sync every enabled connection of a tenant at once, each connection's streams in dependency order, with live progress")
  .addOption(tenantOption())
  .option('--full', 'full passes instead of incremental')
  .option('--deadline <seconds>', 'stop each run (timed_out) after this long')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExit code: the worst outcome of any connection (0 succeeded, 3 partial, 4 failed, 5 already running or throttled).')
  .action(async (opts) => (await import('./commands/sync-all.js')).syncAllCommand(globalFlags(), opts));

program
  .command('runs')
  .description('list recent runs, newest first')
  .addOption(tenantOption())
  .addOption(connectionOption('runs'))
  .option('-n, --limit <n>', 'how many', '20')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).runsCommand(globalFlags(), opts));

const deadLetters = program.command('dead-letters').description('records or pages that could not be mapped or written');
deadLetters
  .command('list')
  .description('list open dead letters')
  .addOption(tenantOption())
  .addOption(connectionOption('dead letters'))
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).deadLettersListCommand(globalFlags(), opts));
deadLetters
  .command('retry')
  .description('retry open dead letters (re-read from the source where possible); exit 3 if some still fail')
  .addOption(tenantOption())
  .addOption(connectionOption('dead letters'))
  .option('--run <runId>', 'only dead letters of this run')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/runs.js')).deadLettersRetryCommand(globalFlags(), opts));

// Hub data (src/cli/commands/data.ts).
const data = () => import('./commands/data.js');
const products = program.command('products').description('hub products (one per SKU) with their links and sync states');
pagingOptions(
  products
    .command('list')
    .description('list products in order of creation; filters combine')
    .addOption(tenantOption())
    .option('--sku <sku>', 'exact SKU (case-sensitive)')
    .option('--q <text>', 'prefix of the name or the SKU, in any letter case')
    .addOption(new Option('--sync-status <status>', 'only products in this sync state').choices(['in_sync', 'pending', 'conflict', 'error']))
    .addOption(connectionOption('products')),
).action(async (opts) => (await data()).productsListCommand(globalFlags(), opts));
products
  .command('show <id>')
  .description('a product with its links, stock per location and open conflicts')
  .addOption(tenantOption())
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts) => (await data()).productsShowCommand(globalFlags(), id, opts));
const productFieldOptions = (cmd: Command) =>
  cmd
    .addOption(tenantOption())
    .option('--sku <sku>', 'the SKU')
    .option('--name <name>', 'the name')
    .option('--price <amount>', 'the price, a decimal such as 12.50')
    .option('--fields <json|@file|->', 'any canonical fields as a JSON object (see docs/api.md), @path to a JSON file, or - for stdin; --sku/--name/--price win')
    .option('--json', 'machine-readable output');
productFieldOptions(products.command('create').description('create a product in the hub (origin "hub" on every field it sets); --sku and --name are required'))
  .action(async (opts) => (await data()).productsCreateCommand(globalFlags(), opts));
productFieldOptions(products.command('edit <id>').description('change fields of a hub product (origin "hub" on each); linked platforms see it as pending push'))
  .option('--if-version <n>', 'the version the edit is based on (products show); a product changed since is refused (exit 5)')
  .addHelpText('after', '\nExample:\n  commerce-sync products edit 0190c7a2-... -t acme --price 24.90 --fields \'{"tags":["summer"]}\' --if-version 3')
  .action(async (id: string, opts) => (await data()).productsEditCommand(globalFlags(), id, opts));

const orders = program.command('orders').description('hub orders with their lines');
pagingOptions(
  orders
    .command('list')
    .description('list orders, newest first; filters combine')
    .addOption(tenantOption())
    .addOption(connectionOption('orders'))
    .option('--status <status>', "order status in the platform's vocabulary (open, cancelled, new, processing, ...)")
    .option('--created-from <date>', 'orders dated at or after this ISO 8601 date or instant')
    .option('--created-to <date>', 'orders dated before this ISO 8601 date or instant')
    .option('--customer <id|email>', 'orders of this hub customer'),
).action(async (opts) => (await data()).ordersListCommand(globalFlags(), opts));
orders
  .command('show <id>')
  .description('an order with its lines and links')
  .addOption(tenantOption())
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts) => (await data()).ordersShowCommand(globalFlags(), id, opts));

const customers = program.command('customers').description('hub customers');
pagingOptions(
  customers
    .command('list')
    .description('list customers in order of creation')
    .addOption(tenantOption())
    .option('--email <email>', 'exact e-mail address, in any letter case'),
).action(async (opts) => (await data()).customersListCommand(globalFlags(), opts));
customers
  .command('show <id>')
  .description('a customer with their newest orders')
  .addOption(tenantOption())
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts) => (await data()).customersShowCommand(globalFlags(), id, opts));

pagingOptions(
  program
    .command('stock')
    .description('stock levels per product (SKU) and location')
    .addOption(tenantOption())
    .option('--sku <sku>', 'exact SKU (case-sensitive)')
    .option('--below-reorder-point', "only products whose available stock, summed over their locations, is below their reorder point"),
).action(async (opts) => (await data()).stockCommand(globalFlags(), opts));

program
  .command('worker')
  .description('execute queued runs and resume orphaned ones, without the HTTP server (scale-out on PostgreSQL)')
  .option('--concurrency <n>', 'runs executed at once by this process', '4')
  .addOption(new Option('--metrics-port <port>', 'serve GET /metrics (Prometheus, no auth) on this port (COMMERCE_SYNC_METRICS_PORT)'))
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
