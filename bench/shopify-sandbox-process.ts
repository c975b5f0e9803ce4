// A Shopify sandbox in its own process (so the benchmarked client has a core to itself): seeds the
// shop from the environment, prints {"url": ...} on stdout, and serves until killed.
//   SB_TIME_SCALE, SB_ORDERS, SB_LINES, SB_PRODUCTS, SB_CUSTOMERS
import { startShopifySandbox } from '../src/sandbox/shopify/index.js';

const n = (k: string, d: number) => Number(process.env[k] ?? d);
const sb = await startShopifySandbox({ timeScale: n('SB_TIME_SCALE', 1) });
sb.seed({ products: n('SB_PRODUCTS', 50), variantsPerProduct: 2, orders: n('SB_ORDERS', 1000), linesPerOrder: n('SB_LINES', 2), customers: n('SB_CUSTOMERS', 100), locations: 1, seed: 3 });
process.stdout.write(JSON.stringify({ url: sb.url }) + '\n');
process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
