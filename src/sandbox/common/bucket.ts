// Leaky bucket shared by the simulators: Shopify's GraphQL cost points (2000 restoring 100/s by default)
// and REST request counts (40 leaking 2/s), eMAG's per-second and per-minute request buckets. Restore happens
// continuously at rate × timeScale.
import type { SandboxClock } from './clock.js';

export interface BucketSettings {
  maximumAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  private available: number;
  private at: number;

  constructor(private settings: BucketSettings, private readonly clock: SandboxClock) {
    this.available = settings.maximumAvailable;
    this.at = clock.now();
    // Settle at the old rate before the scale changes, so a change never creates or loses points.
    clock.onScaleChange(() => this.settle());
  }

  private settle(): void {
    const now = this.clock.now();
    const restored = ((now - this.at) / 1000) * this.effectiveRate();
    this.available = Math.min(this.settings.maximumAvailable, this.available + restored);
    this.at = now;
  }

  /** Points (or requests) restored per real second: the configured rate times the time scale. */
  effectiveRate(): number {
    return this.settings.restoreRate * this.clock.timeScale;
  }

  get maximumAvailable(): number {
    return this.settings.maximumAvailable;
  }

  currentlyAvailable(): number {
    this.settle();
    return this.available;
  }

  /** Takes `amount` if that much is available; otherwise takes nothing and returns false. */
  take(amount: number): boolean {
    this.settle();
    if (amount > this.available) return false;
    this.available -= amount;
    return true;
  }

  give(amount: number): void {
    this.settle();
    this.available = Math.min(this.settings.maximumAvailable, this.available + amount);
  }

  /** Real milliseconds until `amount` is available (0 when it already is). */
  msUntil(amount: number): number {
    const missing = amount - this.currentlyAvailable();
    return missing <= 0 ? 0 : (missing / this.effectiveRate()) * 1000;
  }

  configure(change: Partial<BucketSettings> & { currentlyAvailable?: number }): void {
    this.settle();
    if (change.maximumAvailable !== undefined) this.settings = { ...this.settings, maximumAvailable: change.maximumAvailable };
    if (change.restoreRate !== undefined) this.settings = { ...this.settings, restoreRate: change.restoreRate };
    if (change.currentlyAvailable !== undefined) this.available = change.currentlyAvailable;
    this.available = Math.max(0, Math.min(this.settings.maximumAvailable, this.available));
  }

  reset(): void {
    this.settle();
    this.available = this.settings.maximumAvailable;
  }
}
