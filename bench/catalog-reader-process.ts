// The read clients of the catalog-reads bench, in their own process (as real clients are): the
// server's latency is then not mixed with this side's request building and JSON parsing. Driven over
// IPC by bench/catalog-reads.ts:
//   {cmd: 'burst', n, path?} n concurrent reads, one per client connection (path: another URL path)
//   {cmd: 'stream', rate} open-loop reads at `rate`/s until {cmd: 'stop'}
// Each answered read is reported at once as {read: {ms, status, refreshRunId}}; a phase ends with {done: cmd}.
import { connect, type Socket } from 'node:net';
import { Pool } from 'undici';

const url = new URL(process.env.READER_URL!);
const path = url.pathname + url.search;
const headers = { authorization: `Bearer ${process.env.READER_KEY!}` };

// A burst is n readers, each on its own kept-alive connection, as n browsers would be (a warm-up
// burst opens them, so a measured burst times the server and not a hundred TCP handshakes). Each
// reader writes one pre-built GET and reads the answer to its last byte (Content-Length). Not an HTTP
// client library here: in one process those spend 0.2–0.3 ms of CPU per request, so a hundred
// requests took this process 15–25 ms to get out, and that queue in the one client showed up as
// the server's latency (real readers are a hundred machines). The answers are checked afterwards.
const requestFor = (p: string) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${headers.authorization}\r\nConnection: keep-alive\r\n\r\n`);
const readers: Socket[] = [];

async function openReaders(n: number): Promise<void> {
  while (readers.length < n) {
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    readers.push(socket);
  }
}

/** One GET on a reader's connection, timed to the answer's last byte. */
function readOn(socket: Socket, request: Buffer): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let total = -1;
    const finish = (a: Omit<Answer, 'ms'>) => {
      socket.off('data', onData);
      resolve({ ms: performance.now() - t0, ...a });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (total < 0) {
        const head = Buffer.concat(chunks);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = /\r\ncontent-length: *(\d+)/i.exec(head.subarray(0, end).toString('latin1'));
        if (!length) return finish({ status: 0, body: 'answer without Content-Length' });
        total = end + 4 + Number(length[1]);
      }
      if (received < total) return;
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      finish({ status: Number(all.subarray(9, 12).toString('latin1')), body: all.subarray(headEnd + 4, total).toString('utf8') });
    };
    socket.on('data', onData);
    socket.write(request);
  });
}

// The stream's readers share a pool: at 50 reads/s a handful of connections are ever busy at once.
const streamPool = new Pool(url.origin, { connections: 32 });

type Msg = { cmd: 'burst'; n: number; path?: string } | { cmd: 'stream'; rate: number } | { cmd: 'stop' };

const send = (m: object) => process.send!(m);

interface Answer {
  ms: number;
  status: number;
  body: string;
}

async function read(client: Pool): Promise<Answer> {
  const t0 = performance.now();
  try {
    const res = await client.request({ path, method: 'GET', headers });
    const body = await res.body.text();
    // The read's latency ends with its last byte; parsing the page is this client's own work.
    return { ms: performance.now() - t0, status: res.statusCode, body };
  } catch {
    return { ms: performance.now() - t0, status: 0, body: '' };
  }
}

/** Reports a read; a 200 whose body is not the JSON page counts as failed (status 0). */
function report(a: Answer): void {
  let refreshRunId: string | null = null;
  let status = a.status;
  try {
    refreshRunId = (JSON.parse(a.body) as { refreshRunId?: string | null }).refreshRunId ?? null;
  } catch {
    status = status === 200 ? 0 : status;
  }
  send({ read: { ms: a.ms, status, refreshRunId } });
}

/**
 * The first answer of a burst is reported at once (it names the refresh run, which the bench's
 * worker then starts, as a real worker would); the rest are parsed and reported when the burst is
 * over, so that parsing a hundred pages here does not delay reading the next answers off the wire.
 */
async function burst(n: number, otherPath?: string): Promise<void> {
  await openReaders(n);
  const request = requestFor(otherPath ?? path);
  let first = true;
  const later: Answer[] = [];
  await Promise.all(
    readers.slice(0, n).map(async (socket) => {
      const a = await readOn(socket, request);
      if (first) {
        first = false;
        report(a);
      } else later.push(a);
    }),
  );
  later.forEach(report);
}

let streaming = false;
process.on('message', (m: Msg) => {
  void (async () => {
    if (m.cmd === 'burst') {
      await burst(m.n, m.path);
      send({ done: 'burst' });
    } else if (m.cmd === 'stream') {
      streaming = true;
      const pending: Promise<void>[] = [];
      while (streaming) {
        pending.push(read(streamPool).then(report));
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
