// A Printful sandbox in its own process (so the server under test has a core to itself): prints
// {"url": ...} on stdout and serves until killed.   PF_TIME_SCALE, PF_PRODUCTS
import { startPrintfulSandbox } from '../src/sandbox/printful/index.js';

const n = (k: string, d: number) => Number(process.env[k] ?? d);
const sb = await startPrintfulSandbox({ timeScale: n('PF_TIME_SCALE', 1), catalog: { products: n('PF_PRODUCTS', 300) } });
process.stdout.write(JSON.stringify({ url: sb.url, token: sb.token }) + '\n');
process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
