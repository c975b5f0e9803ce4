// Naive local timestamps ("YYYY-mm-dd HH:ii:ss", no offset), as eMAG sends and expects them
// (platforms/emag.md section 3): converting them to and from instants needs the platform's time zone.
// Pure and dependency-free: Intl knows the zone rules, so no date library is needed for two functions.
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of the instant `ms` in `timeZone`. */
function wallClock(ms: number, timeZone: string): [number, number, number, number, number, number] {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return [parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!];
}

/** Offset of `timeZone` from UTC at the instant `ms`, in ms (Bucharest summer: +3 h). */
function offsetAt(ms: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(ms, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The instant `ms` as a naive local timestamp in `timeZone` (seconds precision, truncated). */
export function formatLocal(ms: number, timeZone: string): string {
  const [y, mo, d, h, mi, s] = wallClock(ms, timeZone);
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/**
 * The instant a naive local timestamp names in `timeZone`, or null when the text is not one.
 * In the repeated hour of a DST change the earlier instant is taken; callers overlap their windows.
 */
export function parseLocal(text: unknown, timeZone: string): number | null {
  if (typeof text !== 'string') return null;
  const m = NAIVE.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (!Number.isFinite(asUtc)) return null;
  // Near a DST change the offset at the naive time read as UTC may be the other side's: try both offsets
  // and keep those that format back to the same wall-clock time.
  const first = asUtc - offsetAt(asUtc, timeZone);
  const second = asUtc - offsetAt(first, timeZone);
  const wall = formatLocal(asUtc, 'UTC');
  const exact = [first, second].filter((ms) => formatLocal(ms, timeZone) === wall);
  // A time inside the spring-forward gap does not exist; it is read with the offset before the change.
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

/**
 * The same wall-clock time one calendar month later (day clamped to the month's end: Jan 31 -> Feb 28),
 * which is how "at most 1 month" between two naive timestamps is read.
 */
export function addOneMonthLocal(text: string): string {
  const m = NAIVE.exec(text);
  if (!m) throw new Error(`not a naive timestamp: ${text}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ny = mo === 12 ? y + 1 : y;
  const nmo = mo === 12 ? 1 : mo + 1;
  const lastDay = new Date(Date.UTC(ny, nmo, 0)).getUTCDate();
  return `${pad(ny, 4)}-${pad(nmo)}-${pad(Math.min(d, lastDay))} ${m[4]}:${m[5]}:${m[6]}`;
}
