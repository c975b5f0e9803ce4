import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

function takeAll(budget: RetryBudget): number {
  let n = 0;
  while (budget.take()) n++;
  return n;
}

describe('RetryBudget', () => {
  it('stops after maxConsecutive retries without progress', () => {
    const budget = new RetryBudget();
    expect(takeAll(budget)).toBe(8);
    expect(budget.snapshot()).toEqual({ retries: 8, consecutive: 8, progressUnits: 0, allowance: 10, remaining: 0, exhausted: true });
  });

  it('caps the total at base + perProgress * progress', () => {
    const budget = new RetryBudget({ maxConsecutive: 100, base: 3, perProgress: 2 });
    expect(takeAll(budget)).toBe(3);
    budget.progress(2);
    expect(takeAll(budget)).toBe(4);
    expect(budget.snapshot().allowance).toBe(7);
  });

  it('lets a run that keeps progressing ride out many failures', () => {
    const budget = new RetryBudget();
    for (let page = 0; page < 100; page++) {
      expect(budget.take()).toBe(true);
      expect(budget.take()).toBe(true);
      budget.progress();
    }
    expect(budget.snapshot()).toMatchObject({ retries: 200, consecutive: 0, progressUnits: 100, allowance: 210, exhausted: false });
  });

  it('does not consume when refusing, and zero progress is no progress', () => {
    const budget = new RetryBudget({ maxConsecutive: 2, base: 10 });
    takeAll(budget);
    expect(budget.take()).toBe(false);
    budget.progress(0);
    expect(budget.take()).toBe(false);
    expect(budget.snapshot().retries).toBe(2);
    budget.progress();
    expect(budget.take()).toBe(true);
  });

  it('rejects invalid options', () => {
    expect(() => new RetryBudget({ base: -1 })).toThrow(/base/);
    expect(() => new RetryBudget({ maxConsecutive: 1.5 })).toThrow(/maxConsecutive/);
  });

  it('never allows more than the allowance nor more than maxConsecutive in a row', () => {
    fc.assert(
      fc.property(
        fc.record({ maxConsecutive: fc.integer({ min: 0, max: 10 }), base: fc.integer({ min: 0, max: 20 }), perProgress: fc.integer({ min: 0, max: 5 }) }),
        fc.array(fc.oneof(fc.constant<'take'>('take'), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }),
        (opts, ops) => {
          const budget = new RetryBudget(opts);
          let granted = 0;
          let inRow = 0;
          let progress = 0;
          for (const op of ops) {
            if (op === 'take') {
              if (budget.take()) {
                granted++;
                inRow++;
              }
            } else {
              budget.progress(op);
              progress += op;
              if (op > 0) inRow = 0;
            }
            expect(inRow).toBeLessThanOrEqual(opts.maxConsecutive);
            expect(granted).toBeLessThanOrEqual(opts.base + opts.perProgress * progress);
            expect(budget.snapshot().retries).toBe(granted);
          }
        },
      ),
    );
  });
});
