// The paged test source in a process of its own, for the memory bench: its records must not count
// in the RSS of the process that pulls them. Usage: node --import tsx bench/source-process.ts <count>
// Prints {"url": "..."} as one JSON line on stdout once it listens, then serves until stdin closes
// (the parent exited or let go of it) or it receives SIGTERM/SIGINT.
import { startTestSource } from '../test/helpers/test-source.js';

const count = Number(process.argv[2]);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: source-process.ts <record count>\n');
  process.exit(2);
}

const source = await startTestSource({ count, seed: 1, maxPageSize: 250 });
let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void source.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('close', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
process.stdout.write(JSON.stringify({ url: source.url, count }) + '\n');
