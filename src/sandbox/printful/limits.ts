// Printful's rate limits as platforms/printful.md section 4 describes them: v1 fixed windows
// (120 / 60 s general; 10 / 60 s on product writes and 30 / 60 s on unauthenticated catalog reads,
// both with a 60 s lockout once exceeded) and the v2 token bucket (120, one token per 0.5 s). Keyed
// per token + store (the sheet's sim default). Durations are platform time, divided by the time scale;
// every header reports real seconds so a client pacing from them paces right under a compressed clock.
import type { SandboxClock } from '../common/clock.js';

export interface LimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Real seconds to wait before retrying (when refused). */
  retryAfterSec?: number;
  /** Platform seconds, for the "try again after N seconds" message. */
  platformRetrySec?: number;
  lockedOut?: boolean;
}

const secs = (ms: number) => (Math.ceil(Math.max(0, ms)) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';

interface WindowState {
  end: number;
  count: number;
  lockedUntil: number;
}

export class FixedWindows {
  private readonly state = new Map<string, WindowState>();

  constructor(
    private readonly cfg: { limit: number; windowMs: number; lockoutMs?: number },
    private readonly clock: SandboxClock,
  ) {}

  take(key: string): LimitDecision {
    const now = this.clock.now();
    let s = this.state.get(key);
    if (!s || now >= s.end) {
      s = { end: now + this.clock.scaled(this.cfg.windowMs), count: 0, lockedUntil: s?.lockedUntil ?? 0 };
      this.state.set(key, s);
    }
    const policy = `${this.cfg.limit};w=${Math.round(this.cfg.windowMs / 1000)};`;
    if (s.lockedUntil > now) return this.refuse(s.lockedUntil - now, policy, true);
    if (s.count >= this.cfg.limit) {
      if (this.cfg.lockoutMs) {
        s.lockedUntil = now + this.clock.scaled(this.cfg.lockoutMs);
        return this.refuse(s.lockedUntil - now, policy, true);
      }
      return this.refuse(s.end - now, policy, false);
    }
    s.count += 1;
    return {
      allowed: true,
      headers: {
        'x-ratelimit-policy': policy,
        'x-ratelimit-limit': String(this.cfg.limit),
        'x-ratelimit-remaining': String(this.cfg.limit - s.count),
        'x-ratelimit-reset': secs(s.end - now),
      },
    };
  }

  private refuse(waitMs: number, policy: string, lockedOut: boolean): LimitDecision {
    return {
      allowed: false,
      lockedOut,
      retryAfterSec: Math.ceil(waitMs) / 1000,
      platformRetrySec: Math.ceil((waitMs * this.clock.timeScale) / 1000),
      headers: { 'x-ratelimit-policy': policy, 'x-ratelimit-limit': String(this.cfg.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': secs(waitMs) },
    };
  }

  reset(): void {
    this.state.clear();
  }
}

export class V2TokenBuckets {
  private readonly state = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly cfg: { capacity: number; refillPerSec: number }, private readonly clock: SandboxClock) {
    // Settle at the old rate before the scale changes, so a change never creates or loses tokens.
    clock.onScaleChange(() => {
      for (const key of this.state.keys()) this.settle(key);
    });
  }

  private rate(): number {
    return (this.cfg.refillPerSec * this.clock.timeScale) / 1000;
  }

  private settle(key: string): { tokens: number; at: number } {
    const now = this.clock.now();
    const s = this.state.get(key) ?? { tokens: this.cfg.capacity, at: now };
    s.tokens = Math.min(this.cfg.capacity, s.tokens + (now - s.at) * this.rate());
    s.at = now;
    this.state.set(key, s);
    return s;
  }

  take(key: string): LimitDecision {
    const s = this.settle(key);
    const policy = `${this.cfg.capacity};w=${Math.round(this.cfg.capacity / this.cfg.refillPerSec)};`;
    if (s.tokens < 1) {
      const waitMs = (1 - s.tokens) / this.rate();
      return {
        allowed: false,
        retryAfterSec: Math.ceil(waitMs) / 1000,
        platformRetrySec: Math.ceil((waitMs * this.clock.timeScale) / 1000),
        headers: { 'x-ratelimit-policy': policy, 'x-ratelimit-limit': String(this.cfg.capacity), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': secs((this.cfg.capacity - s.tokens) / this.rate()) },
      };
    }
    s.tokens -= 1;
    return {
      allowed: true,
      headers: {
        'x-ratelimit-policy': policy,
        'x-ratelimit-limit': String(this.cfg.capacity),
        'x-ratelimit-remaining': String(Math.floor(s.tokens)),
        // v2: seconds until the bucket is full again.
        'x-ratelimit-reset': secs((this.cfg.capacity - s.tokens) / this.rate()),
      },
    };
  }

  reset(): void {
    this.state.clear();
  }
}

export function throttledMessage(platformSec: number): string {
  return `You've recently sent too many requests. Please try again after ${platformSec} seconds.`;
}
