// Rate checks over a platform's request log: in no window of a given length may the clients have asked for
// more than the platform's bucket admits in that time — its capacity plus what it restores meanwhile.

export interface Spend {
  /** Epoch ms the request reached the platform. */
  at: number;
  /** What it asked to spend: 1 for a request-count limit, points for a cost bucket. */
  amount: number;
}

export interface Peak {
  windowMs: number;
  /** Start of the worst window (epoch ms). */
  from: number;
  asked: number;
  allowed: number;
}

/** For each window length, the window (sliding over the request times) that asked for the most, next to
 * what the bucket allows in that time: `capacity + perSec * window`. */
export function peaks(log: readonly Spend[], windowsMs: readonly number[], limit: { capacity: number; perSec: number }): Peak[] {
  const events = [...log].sort((a, b) => a.at - b.at);
  const out: Peak[] = [];
  for (const windowMs of windowsMs) {
    const allowed = limit.capacity + (limit.perSec * windowMs) / 1000;
    let worst: { from: number; asked: number } | null = null;
    let sum = 0;
    let start = 0;
    // Two pointers: the window [events[start].at, events[end].at] never longer than windowMs.
    for (let end = 0; end < events.length; end++) {
      sum += events[end]!.amount;
      while (events[end]!.at - events[start]!.at > windowMs) sum -= events[start++]!.amount;
      if (worst === null || sum > worst.asked) worst = { from: events[start]!.at, asked: sum };
    }
    if (worst !== null) out.push({ windowMs, from: worst.from, asked: worst.asked, allowed });
  }
  return out;
}

/** The windows that asked for more than the bucket allows; empty when every window kept to the limit. */
export function exceedsBucket(log: readonly Spend[], windowsMs: readonly number[], limit: { capacity: number; perSec: number }): Peak[] {
  return peaks(log, windowsMs, limit).filter((p) => p.asked > p.allowed);
}
