// Run progress as plain lines, for output that is not a terminal (a pipe, a CI log, a file), where
// redrawn bars print nothing useful until the end. It has the shape of the cli-progress MultiBar that
// `sync --wait` draws on a terminal, so the same follower (follow.ts runBars, fed by followRuns) drives
// either. The followers poll several times a second: a line is printed only for what a reader wants
// to know (a start, each further tenth of a known total, a rate-limit wait or retry, the sweep, the
// end), and otherwise at most once per interval while the count moves, so a long run stays readable.
import type cliProgress from 'cli-progress';

type Payload = Record<string, unknown>;

export interface ProgressLinesOptions {
  /** Least time between two "still reading" lines of one stream (default 5 s). */
  intervalMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

const QUIET_STAGES = new Set(['queued', 'starting', 'fetching', 'writing', 'done']);
const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, what: string): string => `${fmt(n)} ${what}${n === 1 ? '' : 's'}`;
// What the follower shows as the stage of a run that has ended: its status.
const ENDED = new Set(['succeeded', 'partial', 'failed', 'timed_out', 'cancelled']);

class LineBar {
  #total: number;
  #value: number;
  #stage: string;
  #page = 0;
  #started = false;
  #decile = 0;
  #lastAt: number;
  #lastValue: number;
  #lastLine = '';

  constructor(
    private readonly name: string,
    total: number,
    value: number,
    payload: Payload,
    private readonly write: (line: string) => void,
    private readonly opts: Required<ProgressLinesOptions>,
  ) {
    this.#total = total;
    this.#value = value;
    this.#stage = String(payload.stage ?? 'queued');
    this.#lastAt = opts.now();
    this.#lastValue = value;
  }

  setTotal(total: number): void {
    this.#total = total;
  }

  update(value: number, payload: Payload = {}): void {
    const stage = payload.stage === undefined ? this.#stage : String(payload.stage);
    if (typeof payload.page === 'number') this.#page = payload.page;
    const stageChanged = stage !== this.#stage;
    this.#value = value;
    this.#stage = stage;
    // A total above the count is a real one; a total equal to it is how the follower draws an
    // unknown total (the bar full), so no percentage is claimed then.
    const known = this.#total > 1 && value < this.#total;
    const decile = known ? Math.floor((value / this.#total) * 10) : this.#decile;

    if (!this.#started && stage !== 'queued') {
      this.#started = true;
      this.#emit(QUIET_STAGES.has(stage) ? 'started' : stage);
    } else if (stageChanged && !QUIET_STAGES.has(stage)) {
      // Waits, retries, the sweep and the end; fetching <-> writing flips with every page and is not news.
      this.#emit(this.#describe(stage));
    } else if (decile > this.#decile) {
      this.#emit(this.#describe(stage));
    } else if (value !== this.#lastValue && this.opts.now() - this.#lastAt >= this.opts.intervalMs) {
      this.#emit(this.#describe(stage));
    }
    if (known) this.#decile = Math.max(this.#decile, decile);
  }

  #describe(stage: string): string {
    const known = this.#total > 1 && this.#value < this.#total;
    const count = known ? `${Math.floor((this.#value / this.#total) * 100)}% — ${fmt(this.#value)} of ${fmt(this.#total)} read` : `${fmt(this.#value)} read`;
    const page = this.#page > 0 ? `page ${fmt(this.#page)}` : '';
    if (ENDED.has(stage)) return `${stage} — ${count}${page ? ` (${plural(this.#page, 'page')})` : ''}`;
    return `${count} (${[page, stage].filter(Boolean).join(', ')})`;
  }

  #emit(what: string): void {
    const line = `  ${this.name}: ${what}`;
    this.#lastAt = this.opts.now();
    this.#lastValue = this.#value;
    if (line === this.#lastLine) return;
    this.#lastLine = line;
    this.write(line);
  }
}

/**
 * A MultiBar stand-in printing lines through `write`: pass it where a follower takes bars.
 * `create(total, value, {stream, stage, page})` as runBars calls it; `stop()` prints nothing.
 */
export function progressLines(write: (line: string) => void, opts: ProgressLinesOptions = {}): cliProgress.MultiBar {
  const o = { intervalMs: opts.intervalMs ?? 5_000, now: opts.now ?? Date.now };
  const lines = {
    create: (total: number, value: number, payload: Payload = {}) => new LineBar(String(payload.stream ?? ''), total, value, payload, write, o),
    stop: () => undefined,
  };
  // Only create() and stop() are called on bars by the followers (follow.ts), and setTotal()/update()
  // on what create() returns.
  return lines as unknown as cliProgress.MultiBar;
}
