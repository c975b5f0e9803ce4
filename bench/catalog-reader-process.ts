// The read clients of the catalog-reads bench, in their own process (as real clients are): the
// server's latency is then not mixed with this side's request building and JSON parsing. Driven over
// IPC by bench/catalog-reads.ts:
//   {cmd: 'burst', n}    n concurrent reads
//   {cmd: 'stream', rate} open-loop reads at `rate`/s until {cmd: 'stop'}
// Each answered read is reported at once as {read: {ms, status, refreshRunId}}; a phase ends with {done: cmd}.
import { Agent, get } from 'node:http';

const url = process.env.READER_URL!;
const key = process.env.READER_KEY!;
// Kept-alive connections, as browsers and HTTP clients keep them: a measured burst then times the
// server, not a hundred TCP handshakes (a warm-up burst opens them first).
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

type Msg = { cmd: 'burst'; n: number } | { cmd: 'stream'; rate: number } | { cmd: 'stop' };

const send = (m: object) => process.send!(m);

function read(): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, body: string) => {
      let refreshRunId: string | null = null;
      try {
        refreshRunId = (JSON.parse(body) as { refreshRunId?: string | null }).refreshRunId ?? null;
      } catch {
        status = status === 200 ? 0 : status;
      }
      send({ read: { ms: performance.now() - t0, status, refreshRunId } });
      resolve();
    };
    get(url, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode ?? 0, body));
    }).on('error', () => done(0, ''));
  });
}

let streaming = false;
process.on('message', (m: Msg) => {
  void (async () => {
    if (m.cmd === 'burst') {
      await Promise.all(Array.from({ length: m.n }, read));
      send({ done: 'burst' });
    } else if (m.cmd === 'stream') {
      streaming = true;
      const pending: Promise<void>[] = [];
      while (streaming) {
        pending.push(read());
        await new Promise((r) => setTimeout(r, 1000 / m.rate));
      }
      await Promise.all(pending);
      send({ done: 'stream' });
    } else if (m.cmd === 'stop') {
      streaming = false;
    }
  })();
});
send({ ready: true });
