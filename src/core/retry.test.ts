import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from './errors.js';
import type { ErrorKind } from './errors.js';
import { DEFAULT_CAP_MS, nextDelay, parseRetryAfter } from './retry.js';

describe('nextDelay', () => {
  it.each<ErrorKind>(['auth', 'config', 'invalid_data', 'permanent'])('does not retry %s', (kind) => {
    expect(nextDelay(0, { kind })).toBeNull();
    expect(nextDelay(3, { kind, retryAfterMs: 1000 })).toBeNull();
  });

  it('waits exactly what the platform said on rate limits', () => {
    expect(nextDelay(0, { kind: 'rate_limited', retryAfterMs: 2500 }, { random: () => 0.99 })).toBe(2500);
    expect(nextDelay(7, { kind: 'rate_limited', retryAfterMs: 0 })).toBe(0);
    expect(nextDelay(0, { kind: 'rate_limited', retryAfterMs: -5 })).toBe(0);
  });

  it('backs off exponentially: 1 s, 2 s, 4 s ... capped at 60 s', () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 5, 6, 7, 40, 5000].map((a) => nextDelay(a, { kind: 'transient' }, { random: top }))).toEqual([
      1000, 2000, 4000, 8000, 32_000, 60_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('applies full jitter', () => {
    expect(nextDelay(2, { kind: 'transient' }, { random: () => 0.25 })).toBe(1000);
    expect(nextDelay(2, { kind: 'transient' }, { random: () => 0 })).toBe(0);
    // rate limited without a stated wait falls back to backoff
    expect(nextDelay(1, { kind: 'rate_limited' }, { random: () => 0.5 })).toBe(1000);
  });

  it('honours custom base and cap', () => {
    expect(nextDelay(3, { kind: 'transient' }, { baseMs: 10, capMs: 50, random: () => 1 })).toBe(50);
    expect(nextDelay(1, { kind: 'transient' }, { baseMs: 10, capMs: 50, random: () => 1 })).toBe(20);
  });

  it('treats odd attempts and random values defensively', () => {
    expect(nextDelay(-3, { kind: 'transient' }, { random: () => 1 })).toBe(1000);
    expect(nextDelay(Number.NaN, { kind: 'transient' }, { random: () => 1 })).toBe(1000);
    expect(nextDelay(0, { kind: 'transient' }, { random: () => 7 })).toBe(1000);
    expect(nextDelay(0, { kind: 'transient' }, { random: () => Number.NaN })).toBe(0);
  });

  it('always stays within [0, cap] for backoff', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom<ErrorKind>('transient', 'rate_limited'),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 10_000 }),
        (attempt, kind, r, capMs, baseMs) => {
          const cap = capMs ?? DEFAULT_CAP_MS;
          const delay = nextDelay(attempt, { kind }, { random: () => r, capMs: cap, baseMs });
          expect(delay).not.toBeNull();
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap);
        },
      ),
    );
  });

  it('retries exactly the transient and rate_limited kinds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ERROR_KINDS), fc.nat(50), (kind, attempt) => {
        const retried = nextDelay(attempt, { kind }) !== null;
        expect(retried).toBe(kind === 'transient' || kind === 'rate_limited');
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0);

  it.each([
    ['2', 2000],
    ['2.0', 2000],
    ['0.5', 500],
    [' 30 ', 30_000],
    ['0', 0],
    ['1.0001', 1001],
  ])('reads delay-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('reads the three HTTP-date forms', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wednesday, 15-Jan-25 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed Jan 15 12:01:00 2025', now)).toBe(60_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 11:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', '   ', 'soon', '-1', '1e3', '2 seconds', 'NaN', 'Infinity', '0x10', '2025-01-15T12:00:05Z', 'Wed, 32 Jan 2025 12:00:00 GMT'])(
    'rejects %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  it('never throws and never returns a negative or non-finite value', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const ms = parseRetryAfter(value, now);
        if (ms !== undefined) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
