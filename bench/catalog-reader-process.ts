// The read clients of the catalog-reads bench, in their own process (as real clients are): the
// server's latency is then not mixed with this side's request building and JSON parsing. Driven over
// IPC by bench/catalog-reads.ts:
//   {cmd: 'burst', n}    n concurrent reads
//   {cmd: 'stream', rate} open-loop reads at `rate`/s until {cmd: 'stop'}
// Each answered read is reported at once as {read: {ms, status, refreshRunId}}; a phase ends with {done: cmd}.
const url = process.env.READER_URL!;
const key = process.env.READER_KEY!;

type Msg = { cmd: 'burst'; n: number } | { cmd: 'stream'; rate: number } | { cmd: 'stop' };

const send = (m: object) => process.send!(m);

async function read(): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { refreshRunId?: string | null };
    send({ read: { ms: performance.now() - t0, status: res.status, refreshRunId: body.refreshRunId ?? null } });
  } catch {
    send({ read: { ms: performance.now() - t0, status: 0, refreshRunId: null } });
  }
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
