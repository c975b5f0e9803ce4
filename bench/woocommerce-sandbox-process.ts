// A WooCommerce sandbox in its own process for the WooCommerce benchmarks (its CPU is not the engine's,
// as a store's is not in production): seeds the store from the environment, prints {"url": ...} on
// stdout (and the store's home URL as siteUrl), and serves until killed.
//
// With SB_HOST_LIMIT=N the store sits behind a "host" that admits N API requests at a time and answers
// any more with 429 at once, as nginx's limit_conn or a shared host's PHP worker limit does
// (platforms/woocommerce.md section 4: WooCommerce has no limiter of its own, hosts throttle). The host
// counts what it admitted and refused: GET /_host/stats, POST /_host/reset. Everything else
// (/_sandbox/ included) is passed through.
//   SB_TIME_SCALE, SB_LATENCY_MS (store ms per API request), SB_HOST_LIMIT (0 = no host limit),
//   SB_PRODUCTS, SB_VARIABLE, SB_VARIATIONS, SB_CUSTOMERS, SB_ORDERS, SB_MANAGED_SHARE
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWooSandbox } from '../src/sandbox/woocommerce/index.js';

const n = (k: string, d: number) => Number(process.env[k] ?? d);
const sb = await startWooSandbox({ timeScale: n('SB_TIME_SCALE', 1) });
sb.seed({
  products: n('SB_PRODUCTS', 100), variableProducts: n('SB_VARIABLE', 0), variationsPerProduct: n('SB_VARIATIONS', 3),
  customers: n('SB_CUSTOMERS', 0), orders: n('SB_ORDERS', 0), managedStockShare: n('SB_MANAGED_SHARE', 0.7), seed: 5,
});
if (n('SB_LATENCY_MS', 0) > 0) sb.setFaults({ latencyMs: n('SB_LATENCY_MS', 0) });

const limit = n('SB_HOST_LIMIT', 0);
let url = sb.url;
if (limit > 0) {
  const upstream = new URL(sb.url);
  const stats = { admitted: 0, refused: 0, inFlight: 0, maxInFlight: 0 };
  const host = createServer((req, res) => {
    if (req.url === '/_host/stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    if (req.url === '/_host/reset' && req.method === 'POST') {
      Object.assign(stats, { admitted: 0, refused: 0, maxInFlight: stats.inFlight });
      return void res.writeHead(200).end();
    }
    const api = req.url?.startsWith('/wp-json/') === true;
    if (api && stats.inFlight >= limit) {
      stats.refused++;
      // Drained first, so the client's keep-alive connection stays usable.
      req.resume();
      return void res.writeHead(429, { 'content-type': 'text/html' }).end('<html><body><h1>429 Too Many Requests</h1></body></html>');
    }
    if (api) {
      stats.admitted++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    }
    let done = false;
    // Counted out before the answer's last byte leaves, so a client's next request never meets its own last one.
    const finish = () => {
      if (api && !done) stats.inFlight--;
      done = true;
    };
    const up = forward({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => res.write(chunk));
      answer.on('end', () => {
        finish();
        res.end();
      });
    });
    up.on('error', () => {
      finish();
      res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
}
// The store's home URL stays the sandbox's own: OAuth 1.0a signs it, whatever address the client calls.
process.stdout.write(JSON.stringify({ url, siteUrl: sb.url }) + '\n');
process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
