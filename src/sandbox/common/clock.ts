// Sandbox time (shared by every platform simulator): timestamps are real wall-clock time, but platform durations (bucket restore, bulk
// operation run time, webhook retry delays) are divided by the time scale so that a test can compress
// minutes into milliseconds while keeping the shape of the behaviour.
export class SandboxClock {
  private scale: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<(oldScale: number, newScale: number) => void>();

  constructor(timeScale: number) {
    this.scale = timeScale;
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Changing the scale notifies listeners first, so rate-based state can settle at the old rate. */
  setTimeScale(scale: number): void {
    if (!(scale > 0)) throw new Error('timeScale must be a positive number');
    const old = this.scale;
    for (const listener of this.listeners) listener(old, scale);
    this.scale = scale;
  }

  onScaleChange(listener: (oldScale: number, newScale: number) => void): void {
    this.listeners.add(listener);
  }

  now(): number {
    return Date.now();
  }

  /** Real milliseconds that a platform duration takes at the current scale. */
  scaled(platformMs: number): number {
    return platformMs / this.scale;
  }

  /** setTimeout in platform time; every pending timer is cleared by `dispose` so close() leaves nothing behind. */
  after(platformMs: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, Math.round(this.scaled(platformMs))));
    this.timers.add(timer);
    return timer;
  }

  /** Same as `after` but in real milliseconds (for timeouts that the time scale must not shrink). */
  afterReal(realMs: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, Math.round(realMs)));
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
