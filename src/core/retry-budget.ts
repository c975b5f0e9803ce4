// A run's retry budget grows with progress (lessons.md 8): a run that keeps committing pages may ride out
// many blips over hours, while a run that makes no headway fails after a bounded number of retries instead
// of retrying forever. Pure bookkeeping; one budget is shared by every request of a run.
import { SyncError } from './errors.js';

export interface RetryBudgetOptions {
  /** Retries in a row without progress before the budget refuses. Default 8. */
  maxConsecutive?: number;
  /** Retries allowed before any progress. Default 10. */
  base?: number;
  /** Retries added to the allowance per unit of progress (e.g. per committed page). Default 2. */
  perProgress?: number;
}

export interface RetryBudgetSnapshot {
  /** Retries taken so far. */
  retries: number;
  /** Retries taken since the last progress. */
  consecutive: number;
  progressUnits: number;
  /** Total retries allowed at the current progress: base + perProgress * progressUnits. */
  allowance: number;
  /** Retries that may still be taken right now. */
  remaining: number;
  exhausted: boolean;
}

export class RetryBudget {
  readonly maxConsecutive: number;
  readonly base: number;
  readonly perProgress: number;
  private retries = 0;
  private consecutive = 0;
  private progressUnits = 0;

  constructor(opts: RetryBudgetOptions = {}) {
    this.maxConsecutive = count('maxConsecutive', opts.maxConsecutive ?? 8);
    this.base = count('base', opts.base ?? 10);
    this.perProgress = count('perProgress', opts.perProgress ?? 2);
  }

  private allowance(): number {
    return this.base + this.perProgress * this.progressUnits;
  }

  private remaining(): number {
    return Math.max(0, Math.min(this.maxConsecutive - this.consecutive, this.allowance() - this.retries));
  }

  /** Consumes one retry; false (nothing consumed) when the budget is exhausted. */
  take(): boolean {
    if (this.remaining() <= 0) return false;
    this.retries += 1;
    this.consecutive += 1;
    return true;
  }

  /** The run advanced (a page committed): the consecutive count starts over and the allowance grows. */
  progress(units = 1): void {
    // Zero units is no progress: it must not reset the consecutive count of a stuck run.
    if (!Number.isFinite(units) || units <= 0) return;
    this.progressUnits += units;
    this.consecutive = 0;
  }

  snapshot(): RetryBudgetSnapshot {
    const remaining = this.remaining();
    return {
      retries: this.retries,
      consecutive: this.consecutive,
      progressUnits: this.progressUnits,
      allowance: this.allowance(),
      remaining,
      exhausted: remaining <= 0,
    };
  }
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new SyncError('config_invalid', `RetryBudget: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
