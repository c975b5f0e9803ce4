// WooCommerce dates: `YYYY-MM-DDTHH:MM:SS` in the store's local zone with no offset, plus `*_gmt` twins
// (section 1). WordPress stores seconds, so everything here works at one-second resolution — equal
// timestamps within a second are real and paging relies on the ID tie-breaker.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Naive local wall time of `ms` in `timeZone`. */
export function formatLocal(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

export function formatGmt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The `date_x` / `date_x_gmt` pair of a timestamp (null stays null in both). */
export function datePair(name: string, ms: number | null, timeZone: string): Record<string, string | null> {
  return { [name]: ms === null ? null : formatLocal(ms, timeZone), [`${name}_gmt`]: ms === null ? null : formatGmt(ms) };
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (local = utc + offset). */
function offsetAt(ms: number, timeZone: string): number {
  return Date.parse(`${formatLocal(ms, timeZone)}Z`) - Math.floor(ms / 1000) * 1000;
}

/**
 * A date filter value to epoch seconds. With an explicit offset (`Z`, `+02:00`) it is an instant; without one it
 * is wall time in the store's zone, or in GMT when `dates_are_gmt` is set. Null when unparsable.
 */
export function parseFilterDate(value: string, timeZone: string, gmt: boolean): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return null;
  if (m[4]) return Math.floor(Date.parse(`${m[1]}T${m[2]}${m[4]}`) / 1000);
  const asUtc = Date.parse(`${m[1]}T${m[2]}Z`);
  if (gmt) return Math.floor(asUtc / 1000);
  // Two passes settle DST edges well enough for a simulator.
  let guess = asUtc - offsetAt(asUtc, timeZone);
  guess = asUtc - offsetAt(guess, timeZone);
  return Math.floor(guess / 1000);
}

export const seconds = (ms: number): number => Math.floor(ms / 1000);
